"""Participation operations. Web pages, the API and the command line call these and nothing else.

Each public function takes the actor as a keyword argument, checks permissions through
``ouvert.accounts.permissions``, runs in one transaction, records an activity entry with a
dotted key (``participation.idea.submitted``) and sends its signal once committed.
"""

from .challenges import (
    challenges_for_dataset,
    create_challenge,
    get_challenge,
    public_challenges,
    publish_challenge,
    publish_results,
    update_challenge,
    visible_challenges,
)
from .comments import comment_page, comment_thread, get_comment, post_comment, stance_summary
from .consultations import (
    create_consultation,
    export_responses_csv,
    get_consultation,
    results,
    set_consultation_status,
    submit_response,
    update_consultation,
)
from .ideas import (
    Sender,
    answer_idea,
    get_idea,
    list_ideas,
    prepare_answer,
    publish_answer,
    set_idea_status,
    submit_idea,
    withdraw_idea,
)
from .reuses import get_reuse, published_reuses, submit_reuse
from .votes import cast_vote, has_voted, votes_left, withdraw_vote

__all__ = [
    "Sender", "answer_idea", "cast_vote", "challenges_for_dataset", "comment_page", "comment_thread", "create_challenge", "create_consultation",
    "export_responses_csv", "get_challenge", "get_comment",
    "get_consultation", "get_idea", "get_reuse", "has_voted", "list_ideas",
    "post_comment", "prepare_answer", "public_challenges", "publish_answer", "publish_challenge",
    "publish_results", "published_reuses", "results", "set_consultation_status", "set_idea_status", "stance_summary",
    "submit_idea", "submit_reuse", "submit_response", "update_challenge", "update_consultation", "visible_challenges", "votes_left", "withdraw_idea",
    "withdraw_vote",
]
