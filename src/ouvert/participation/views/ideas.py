"""An idea's page and what people do there: vote, comment, flag, withdraw, follow; the answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ouvert.accounts.permissions import can
from ouvert.catalog.permissions import visible_datasets
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.models import State
from ouvert.moderation import services as moderation
from ouvert.moderation.errors import ModerationError
from ouvert.moderation.forms import rule_choices

from .. import services
from ..errors import ParticipationError, VoteError
from ..forms import AnswerForm, CommentForm, FlagForm
from ..models import Comment, Idea, Moderation
from ._common import client_ip, domain_errors, held_reason, page_links, refuse, wants_json

#: Top-level comments per page of a discussion (each shown with its replies).
COMMENTS_PER_PAGE = 10


def _idea_in(request, name, idea_id) -> Idea:
    idea = services.get_idea(idea_id, actor=request.user)
    if idea.challenge.name != name:
        raise NotFound(_("Idea not found."))
    return idea


def _idea_url(idea, anchor: str = "") -> str:
    return reverse("participation:idea", args=[idea.challenge.name, idea.pk]) + anchor


def _comment_url(idea, comment) -> str:
    """The address of ``comment`` on the page of the discussion that shows its thread."""
    root = comment
    while root.parent_id is not None:
        root = root.parent
    before = Comment.objects.filter(idea=idea, moderation=Moderation.VISIBLE, parent__isnull=True).filter(
        Q(created__lt=root.created) | Q(created=root.created, id__lt=root.id)).count()
    page = before // COMMENTS_PER_PAGE + 1
    return _idea_url(idea, (f"?comments={page}" if page > 1 else "") + f"#comment-{comment.pk}")


@domain_errors
def idea_detail(request, name, idea_id):
    idea = _idea_in(request, name, idea_id)
    user = request.user
    challenge = idea.challenge
    comment_page, comments = None, []
    if idea.is_visible:
        requested = request.GET.get("comments") or 1
        comment_page, comments = services.comment_page(idea, page=requested, per_page=COMMENTS_PER_PAGE)
    is_author = user.is_authenticated and idea.author_id == user.pk
    stances = services.stance_summary(idea) if idea.is_visible else dict.fromkeys(Comment.Stance.values, 0)
    context = {
        "idea": idea, "challenge": challenge, "comments": comments,
        "max_depth": Comment.MAX_DEPTH, "stances": stances,
        "comment_form": CommentForm(), "flag_form": FlagForm(),
        "has_voted": services.has_voted(idea, actor=user),
        "accepts_votes": challenge.accepts_votes() and idea.is_visible,
        "accepts_comments": challenge.accepts_comments() and idea.is_visible and idea.status != Idea.Status.WITHDRAWN,
        "is_author": is_author,
        "can_withdraw": is_author and idea.status in (Idea.Status.PUBLISHED, Idea.Status.UNDER_REVIEW),
        "can_answer": can(user, "idea.answer", idea),
        "held_reason": held_reason(idea) if idea.moderation == Moderation.HELD else "",
        "datasets": list(visible_datasets(user, idea.datasets.all()).filter(state=State.ACTIVE)),
        "vote_threshold": challenge.vote_threshold,
        # The rules' options are the same in every report form of the page: built once.
        "stances_choices": Comment.Stance.choices,
        "rule_options": format_html_join("", '<option value="{}">{}</option>', rule_choices()),
        "comment_count": sum(stances.values()) if idea.is_visible else 0,
    }
    if comment_page is not None:
        context["comment_pages"] = page_links(request, comment_page.number, comment_page.paginator.num_pages,
                                              param="comments", anchor="#comments")
    return render(request, "participation/idea.html", context)


@require_POST
@domain_errors
@login_required
def idea_vote(request, name, idea_id):
    idea = _idea_in(request, name, idea_id)
    back = _idea_url(idea, "#vote")
    withdraw = request.POST.get("vote") == "0"
    try:
        if withdraw:
            services.withdraw_vote(idea, actor=request.user)
        else:
            services.cast_vote(idea, actor=request.user, ip=client_ip(request))
    except VoteError as exc:
        return refuse(request, exc, back, status=409 if exc.code == "already_voted" else 400)
    except ParticipationError as exc:
        return refuse(request, exc, back, status=429 if exc.code == "rate_limited" else 400)
    text = _("Your vote was withdrawn.") if withdraw else _("Your vote was counted. Thank you!")
    if wants_json(request):
        return JsonResponse({"ok": True, "voted": not withdraw, "count": idea.vote_count, "message": text})
    messages.success(request, text)
    return redirect(back)


@require_POST
@domain_errors
@login_required
def idea_comment(request, name, idea_id):
    idea = _idea_in(request, name, idea_id)
    form = CommentForm(request.POST)
    back = _idea_url(idea, "#comments")
    if not form.is_valid():
        messages.error(request, _("The comment could not be posted."))
        return redirect(back)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], idea=idea).first()
        if parent is None:
            raise NotFound(_("Comment not found."))
    try:
        comment = services.post_comment(idea, actor=request.user, body=form.cleaned_data["body"],
                                        stance=form.cleaned_data["stance"] or Comment.Stance.NEUTRAL,
                                        parent=parent, ip=client_ip(request))
    except (ParticipationError, ValidationFailed) as exc:
        return refuse(request, exc, back)
    if comment.is_visible:
        messages.success(request, _("Your comment is published."))
        return redirect(_comment_url(idea, comment))
    messages.warning(request, _("Your comment is waiting for review because %(reason)s. You will find the "
                                "decision on your contributions page.") % {"reason": held_reason(comment)})
    return redirect(back)


@require_POST
@domain_errors
@login_required
def idea_flag(request, name, idea_id, comment_id=None):
    idea = _idea_in(request, name, idea_id)
    content = idea
    if comment_id is not None:
        content = Comment.objects.filter(pk=comment_id, idea=idea, moderation=Moderation.VISIBLE).first()
        if content is None:
            raise NotFound(_("Comment not found."))
    back = _comment_url(idea, content) if comment_id else _idea_url(idea)
    form = FlagForm(request.POST)
    form.is_valid()
    try:
        moderation.flag_content(content, actor=request.user, rule=form.cleaned_data.get("rule") or "",
                                note=form.cleaned_data.get("note") or "", ip=client_ip(request))
    except (ParticipationError, ModerationError, ValidationFailed) as exc:
        return refuse(request, exc, back)
    messages.success(request, _("Thank you: the moderators will look at it."))
    return redirect(back if comment_id is None or content.is_visible else _idea_url(idea, "#comments"))


@require_POST
@domain_errors
@login_required
def idea_withdraw(request, name, idea_id):
    idea = _idea_in(request, name, idea_id)
    try:
        services.withdraw_idea(idea, actor=request.user)
    except ParticipationError as exc:
        return refuse(request, exc, _idea_url(idea))
    messages.success(request, _("Your idea was withdrawn."))
    return redirect(_idea_url(idea))


@domain_errors
@login_required
def idea_answer(request, name, idea_id):
    """The organisation prepares the official answer, then publishes it (with a status)."""
    idea = _idea_in(request, name, idea_id)
    if not can(request.user, "idea.answer", idea):
        raise HttpForbidden(_("You are not allowed to do this."))
    form = AnswerForm(request.POST if request.method == "POST" else None, initial={"answer_fr": idea.answer_fr, "answer_en": idea.answer_en})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        publish = bool(request.POST.get("publish"))
        try:
            idea = services.answer_idea(idea, actor=request.user, answer_fr=data["answer_fr"],
                                        answer_en=data["answer_en"], publish=publish,
                                        status=(data["status"] or None) if publish else None)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except ParticipationError as exc:
            form.add_error("status", str(exc))
        else:
            if publish:
                messages.success(request, _("The answer is published."))
                return redirect(_idea_url(idea, "#answer"))
            messages.success(request, _("The answer is saved; it is not public until you publish it."))
            return redirect("participation:idea_answer", idea.challenge.name, idea.pk)
    return render(request, "participation/answer_form.html", {"idea": idea, "challenge": idea.challenge, "form": form},
                  status=400 if form.errors else 200)
