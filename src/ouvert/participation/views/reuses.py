"""The showcase: reuses of the data, a form to propose one, and each reuse's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog.permissions import visible_datasets
from ouvert.core.errors import ValidationFailed
from ouvert.core.models import State

from .. import services
from ..errors import ParticipationError
from ..forms import ReuseForm
from ._common import client_ip, domain_errors, paginate


def reuse_list(request):
    context = paginate(request, services.published_reuses().prefetch_related("datasets"))
    context["reuses"] = list(context["page_obj"])
    return render(request, "participation/reuse_list.html", context)


@domain_errors
@login_required
def reuse_new(request):
    initial = {k: request.GET[k] for k in ("datasets", "challenges") if request.GET.get(k)}
    form = ReuseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reuse = services.submit_reuse(actor=request.user, data=form.service_data(), ip=client_ip(request))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you! Your reuse will appear in the showcase once a moderator has "
                                        "reviewed it."))
            return redirect("participation:reuse", reuse.pk)
    return render(request, "participation/reuse_form.html", {"form": form}, status=400 if form.errors else 200)


@domain_errors
def reuse_detail(request, reuse_id):
    reuse = services.get_reuse(reuse_id, actor=request.user)
    return render(request, "participation/reuse.html", {
        "reuse": reuse,
        "datasets": list(visible_datasets(request.user, reuse.datasets.all()).filter(state=State.ACTIVE)),
        "challenges": list(permissions.visible(request.user, "challenge", reuse.challenges.all())),
    })
