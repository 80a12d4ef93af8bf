"""Challenge pages: the list, a challenge with its ideas, and the organisation's screens."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ouvert.accounts import permissions
from ouvert.accounts.permissions import (
    can,
    editable_organisations,
    is_sysadmin,
)
from ouvert.catalog.permissions import visible_datasets
from ouvert.core.errors import Conflict, ValidationFailed
from ouvert.core.models import State
from ouvert.moderation.permissions import moderated_organisations

from .. import services
from ..errors import ParticipationError
from ..forms import ChallengeForm, IdeaForm, ResultsForm
from ..models import PHASES, Challenge, Idea, Phase
from ._common import client_ip, domain_errors, held_reason, paginate

SORT_LABELS = {
    "support": gettext_lazy("Most supported"), "newest": gettext_lazy("Newest"),
    "random": gettext_lazy("Random order"), "discussed": gettext_lazy("Most discussed"),
}


def phases_of(challenge) -> list[dict]:
    now = timezone.now()
    rows = []
    for phase in PHASES:
        start, end = challenge.phase_window(phase)
        if start is None and end is None:
            continue
        rows.append({"code": str(phase), "label": Phase(phase).label, "start": start, "end": end,
                     "current": challenge.in_phase(phase, now)})
    return rows


def challenge_list(request):
    challenges = services.public_challenges().select_related("organisation").order_by("-published", "-created")
    drafts = []
    if request.user.is_authenticated:
        organisations = [o for o in editable_organisations(request.user) if can(request.user, "challenge.create", o)]
        drafts = list(permissions.visible(request.user, "challenge")
                      .filter(organisation__in=organisations, status=Challenge.Status.DRAFT).select_related("organisation"))
    else:
        organisations = []
    context = paginate(request, challenges)
    context.update({
        "challenges": [(c, phases_of(c)) for c in context["page_obj"]],
        "drafts": drafts, "can_create": bool(organisations),
        "can_moderate": request.user.is_authenticated and (
            is_sysadmin(request.user) or moderated_organisations(request.user).exists()),
    })
    return render(request, "participation/challenge_list.html", context)


def _seed(request) -> str:
    """The visitor's own random order: the same through the pages of one visit."""
    seed = request.session.get("participation_seed")
    if not seed:
        seed = secrets.token_hex(8)
        request.session["participation_seed"] = seed
    return seed


def _challenge_context(request, challenge, idea_form=None) -> dict:
    sort = request.GET.get("sort", "support")
    sort = sort if sort in SORT_LABELS else "support"
    ideas = services.list_ideas(challenge, actor=request.user, sort=sort,
                                seed=_seed(request) if sort == "random" else None)
    # Page through the ids alone (a narrow sort, whatever the length of the descriptions),
    # then read the page's ideas.
    context = paginate(request, ideas.values_list("id", flat=True))
    ids = list(context["page_obj"])
    by_id = Idea.objects.in_bulk(ids)
    user = request.user
    return {
        **context,
        "challenge": challenge, "ideas": [by_id[pk] for pk in ids if pk in by_id], "sort": sort,
        "sorts": list(SORT_LABELS.items()), "phases": phases_of(challenge),
        "datasets": list(visible_datasets(user, challenge.datasets.all()).filter(state=State.ACTIVE)
                         .select_related("organisation")),
        "reuses": list(services.published_reuses(challenge=challenge)[:20]),
        "consultations": list(permissions.visible(user, "consultation", challenge.consultations.all())),
        "idea_form": idea_form or IdeaForm(),
        "accepts_ideas": challenge.accepts_ideas(),
        "can_edit": can(user, "challenge.update", challenge),
        "votes_left": services.votes_left(challenge, actor=user) if user.is_authenticated else None,
    }


@domain_errors
def challenge_detail(request, name):
    challenge = services.get_challenge(name, actor=request.user)
    return render(request, "participation/challenge.html", _challenge_context(request, challenge))


@domain_errors
@login_required
def idea_new(request, name):
    """Submit an idea; the form also sits on the challenge page, this page shows it with errors."""
    challenge = services.get_challenge(name, actor=request.user)
    if request.method != "POST":
        return render(request, "participation/idea_form.html", {"challenge": challenge, "form": IdeaForm()})
    form = IdeaForm(request.POST)
    if form.is_valid():
        try:
            idea = services.submit_idea(challenge, actor=request.user, ip=client_ip(request), **form.service_data())
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            if idea.is_visible:
                messages.success(request, _("Your idea is published. Thank you!"))
            else:
                messages.warning(request, _("Your idea is waiting for review because %(reason)s. A moderator will "
                                            "look at it; you will find the decision on your contributions page.")
                                 % {"reason": held_reason(idea)})
            return redirect("participation:idea", challenge.name, idea.pk)
    return render(request, "participation/idea_form.html", {"challenge": challenge, "form": form}, status=400)


# --- the organisation's screens -----------------------------------------------------------

def _creatable_organisations(user):
    return [o for o in editable_organisations(user) if can(user, "challenge.create", o)]


def _form_page(request, form, challenge=None):
    return render(request, "participation/challenge_form.html", {"form": form, "challenge": challenge},
                  status=400 if form.errors else 200)


@domain_errors
@login_required
def challenge_new(request):
    organisations = _creatable_organisations(request.user)
    if not organisations:
        raise HttpForbidden(_("You are not allowed to do this."))
    if request.method != "POST":
        return _form_page(request, ChallengeForm(organisations=organisations))
    form = ChallengeForm(request.POST, organisations=organisations)
    if form.is_valid():
        organisation = form.selected_organisation()
        if organisation is None:
            form.add_error("organisation", _("Choose the organisation that opens the challenge."))
        else:
            try:
                challenge = services.create_challenge(actor=request.user, organisation=organisation,
                                                      data=form.service_data())
            except ValidationFailed as exc:
                form.add_service_errors(exc)
            except Conflict as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(request, _("The draft challenge was created. Publish it when it is ready."))
                return redirect("participation:challenge", challenge.name)
    return _form_page(request, form)


def _editable_challenge(request, name):
    challenge = services.get_challenge(name, actor=request.user)
    permissions.require(request.user, "challenge.update", challenge)
    return challenge


@domain_errors
@login_required
def challenge_edit(request, name):
    challenge = _editable_challenge(request, name)
    if request.method != "POST":
        return _form_page(request, ChallengeForm(editing=challenge, initial=ChallengeForm.initial_for(challenge)),
                          challenge)
    form = ChallengeForm(request.POST, editing=challenge)
    if form.is_valid():
        try:
            challenge = services.update_challenge(challenge, actor=request.user, data=form.service_data())
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("participation:challenge", challenge.name)
    return _form_page(request, form, challenge)


@require_POST
@domain_errors
@login_required
def challenge_publish(request, name):
    challenge = _editable_challenge(request, name)
    try:
        services.publish_challenge(challenge, actor=request.user)
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms) or str(exc))
    else:
        messages.success(request, _("The challenge is published."))
    return redirect("participation:challenge", challenge.name)


@domain_errors
@login_required
def challenge_results(request, name):
    challenge = _editable_challenge(request, name)
    form = ResultsForm(request.POST if request.method == "POST" else None, initial={"results_fr": challenge.results_fr,
                                                      "results_en": challenge.results_en})
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_results(challenge, actor=request.user, results_fr=form.cleaned_data["results_fr"],
                                     results_en=form.cleaned_data["results_en"],
                                     close=bool(request.POST.get("close")))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The results statement is published."))
            return redirect("participation:challenge", challenge.name)
    return render(request, "participation/results_form.html", {"challenge": challenge, "form": form},
                  status=400 if form.errors else 200)
