"""Follow and unfollow from any page that offers the button (``follow_button.html``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ouvert.web.errors import domain_errors
from ouvert.web.forms import safe_next

from . import followables, services


def follow_panel(request, obj) -> dict:
    """The follow button's context, for the pages that show it as a panel."""
    return {"follow_kind": followables.of(obj).kind, "follow_key": followables.of(obj).key(obj),
            "following": services.is_following(obj, actor=request.user), "follow_title": str(obj)}


@require_POST
@domain_errors
@login_required
def follow_toggle(request, kind, key):
    """``follow=1`` follows, ``follow=0`` stops following; back to ``next`` or the object's page."""
    if request.POST.get("follow") == "0":  # also what one may no longer see, when one follows it
        target = services.unfollow_key(kind, key, actor=request.user)
        messages.success(request, _("You no longer follow “%(title)s”.") % {"title": str(target)})
    else:
        target = services.get_target(kind, key, actor=request.user)
        services.follow(target, actor=request.user)
        messages.success(request, _("You follow “%(title)s”: you will hear about its news.") % {"title": str(target)})
    shown = hasattr(target, "get_absolute_url") and services.may_see(target, request.user)
    return redirect(safe_next(request, target.get_absolute_url() if shown else "/"))
