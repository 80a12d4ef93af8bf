"""Ideas, comments and reuses as moderated content types (``ouvert.moderation``)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from ouvert import moderation
from ouvert.moderation.models import Moderation

from . import signals
from .models import Comment, Idea, Reuse


def _idea_url(idea: Idea) -> str:
    return reverse("participation:idea", args=[idea.challenge.name, idea.pk])


def _reuse_organisation(reuse: Reuse):
    """A reuse answers to the organisation of its first challenge, else of its first dataset."""
    challenge = reuse.challenges.select_related("organisation").order_by("created").first()
    if challenge is not None:
        return challenge.organisation
    dataset = reuse.datasets.select_related("organisation").order_by("name").first()
    return dataset.organisation if dataset is not None else None


def _idea_changed(idea: Idea, before: str, after: str) -> None:
    if after == Moderation.VISIBLE:
        transaction.on_commit(lambda: signals.idea_published.send(sender=None, idea=idea))


def _comment_changed(comment: Comment, before: str, after: str) -> None:
    from .services.comments import refresh_comment_count

    refresh_comment_count(comment.idea_id)


def _reuse_changed(reuse: Reuse, before: str, after: str) -> None:
    if after == Moderation.VISIBLE and reuse.published is None:
        reuse.published = timezone.now()
        reuse.save(update_fields=["published"])


def register() -> None:
    moderation.register(
        Idea, kind="idea", label=_("Idea:"), plural=_("Ideas"),
        organisation=lambda idea: idea.challenge.organisation,
        text=lambda idea: idea.body, title=lambda idea: idea.title, url=_idea_url,
        history_field="body", on_change=_idea_changed, select_related=("challenge", "challenge__organisation"),
    )
    moderation.register(
        Comment, kind="comment", label=_("Comment on"), log_label=_("Comment:"), plural=_("Comments"),
        organisation=lambda comment: comment.idea.challenge.organisation,
        text=lambda comment: comment.body, title=lambda comment: comment.idea.title,
        summary=lambda comment: Truncator(comment.body).chars(60),
        url=lambda comment: f"{_idea_url(comment.idea)}#comment-{comment.pk}",
        history_field="body", on_change=_comment_changed,
        select_related=("idea", "idea__challenge", "idea__challenge__organisation"),
    )
    moderation.register(
        Reuse, kind="reuse", label=_("Reuse:"), plural=_("Reuses"),
        organisation=_reuse_organisation,
        text=lambda reuse: str(reuse.description.value), title=lambda reuse: str(reuse.title),
        notice_title=lambda reuse, language: str(reuse.localised("title", language)),
        url=lambda reuse: reverse("participation:reuse", args=[reuse.pk]),
        on_change=_reuse_changed, quote_template="participation/moderation/reuse_quote.html",
    )
