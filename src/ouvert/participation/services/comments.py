"""Comments: threaded discussion of an idea (three levels), each marked for, against or neutral."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.moderation import services as moderation
from ouvert.moderation.checks.language import language_of
from ouvert.notifications import services as notifications

from .. import signals
from ..errors import ParticipationError
from ..models import Channel, Comment, Idea, Moderation
from ._common import check_rate, clean_channel, clean_text, public_name, record, send_on_commit

BODY_MAX = 5_000


def post_comment(idea: Idea, *, actor, body: str, stance: str = Comment.Stance.NEUTRAL, parent: Comment | None = None,
                 channel: str = Channel.WEB, ip: str | None = None, sender=None) -> Comment:
    """Comment on a visible idea, or reply to a comment (at most three levels deep).

    Like ideas, a comment appears at once unless it is held for review.
    """
    if sender is None or actor is not None:
        permissions.require(actor, "participation.post")
    channel = clean_channel(channel)
    if idea.moderation != Moderation.VISIBLE or idea.status == Idea.Status.WITHDRAWN:
        raise ParticipationError(_("This idea is not open to comments."), code="not_commentable")
    if not idea.challenge.accepts_comments():
        raise ParticipationError(_("This challenge is not accepting comments at the moment."), code="phase_closed")
    if stance not in Comment.Stance.values:
        raise ValidationFailed(fields={"stance": [_("Choose for, against or neutral.")]})
    depth = 1
    if parent is not None:
        if parent.idea_id != idea.pk or parent.moderation != Moderation.VISIBLE:
            raise NotFound(_("Comment not found."))
        depth = parent.depth + 1
        if depth > Comment.MAX_DEPTH:
            raise ParticipationError(_("Replies go at most %(depth)d levels deep; reply higher in the thread.")
                                     % {"depth": Comment.MAX_DEPTH}, code="too_deep")
    body = clean_text(body, "body", max_length=BODY_MAX, min_length=1, allow_markdown=True)
    check_rate("post", actor=actor, ip=ip)
    reason, findings = moderation.assess(body, author=actor, channel=channel)
    with transaction.atomic():
        comment = Comment.objects.create(
            idea=idea, parent=parent, depth=depth, stance=stance, body=body, language=language_of(body),
            channel=channel, author=actor,
            author_name=public_name(actor) if actor is not None else sender.name[:150],
            author_email="" if actor is not None else sender.email,
            author_language=actor.language if actor is not None else sender.language,
            moderation=Moderation.HELD if reason else Moderation.VISIBLE,
        )
        if reason:
            moderation.hold(comment, reason=reason, findings=findings, channel=channel)
        else:
            Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
        if actor is not None:
            notifications.follow(idea, actor=actor)
        record("participation.comment.posted", actor=actor, obj=comment, organisation=idea.challenge.organisation,
               changes={"idea": (None, str(idea.pk)), "channel": (None, channel), "moderation": (None, comment.moderation)})
        send_on_commit(signals.comment_posted, comment=comment, actor=actor, held=bool(reason))
    return comment


def get_comment(comment_id, *, actor) -> Comment:
    """The comment if ``actor`` may see it: visible ones on ideas they may see; held or hidden
    ones for their author and the moderators."""
    from ._common import by_id

    comment = by_id(Comment.objects.select_related("idea", "idea__challenge", "idea__challenge__organisation"),
                    comment_id, _("Comment not found."))
    if not permissions.can(actor, "comment.view", comment):
        raise NotFound(_("Comment not found."))
    return comment


def refresh_comment_count(idea_id) -> None:
    """Recount an idea's visible comments (after a moderation decision changed one)."""
    count = Comment.objects.filter(idea_id=idea_id, moderation=Moderation.VISIBLE).count()
    Idea.objects.filter(pk=idea_id).update(comment_count=count)


def comment_thread(idea: Idea) -> list[Comment]:
    """The idea's visible comments in reading order: each followed by its replies, oldest first.

    A reply whose parent is not visible is left out with it (the thread would not make sense).
    """
    comments = list(Comment.objects.filter(idea=idea, moderation=Moderation.VISIBLE).order_by("created", "id"))
    children: dict = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)
    ordered: list[Comment] = []

    def walk(parent_id):
        for comment in children.get(parent_id, []):
            ordered.append(comment)
            walk(comment.pk)

    walk(None)
    return ordered


def comment_page(idea: Idea, *, page=1, per_page: int = 20) -> tuple[Page, list[Comment]]:
    """One page of the idea's discussion: ``per_page`` top-level comments, oldest first, each
    followed by its visible replies, in the order of ``comment_thread``.

    ``page`` is a number or ``"last"``. Four queries whatever the size of the discussion (the
    count, the top-level comments, their replies, the replies to those), so an idea with
    thousands of comments opens as fast as one with ten.
    """
    visible = Comment.objects.filter(idea=idea, moderation=Moderation.VISIBLE)
    paginator = Paginator(visible.filter(parent__isnull=True).order_by("created", "id"), per_page)
    current = paginator.get_page(paginator.num_pages if page == "last" else page)
    top = list(current.object_list)
    children: dict = {}
    parents = [c.pk for c in top]
    for _depth in range(2, Comment.MAX_DEPTH + 1):
        if not parents:
            break
        replies = list(visible.filter(parent_id__in=parents).order_by("created", "id"))
        for reply in replies:
            children.setdefault(reply.parent_id, []).append(reply)
        parents = [r.pk for r in replies]
    ordered: list[Comment] = []

    def walk(comment):
        ordered.append(comment)
        for reply in children.get(comment.pk, []):
            walk(reply)

    for comment in top:
        walk(comment)
    return current, ordered


def stance_summary(idea: Idea) -> dict[str, int]:
    summary = dict.fromkeys(Comment.Stance.values, 0)
    counts = (Comment.objects.filter(idea=idea, moderation=Moderation.VISIBLE).order_by()
              .values_list("stance").annotate(n=Count("id")))
    for stance, n in counts:
        summary[stance] = n
    return summary
