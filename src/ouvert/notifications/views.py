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
    target = services.get_target(kind, key, actor=request.user)
    title = str(target)
    if request.POST.get("follow") == "0":
        services.unfollow(target, actor=request.user)
        messages.success(request, _("You no longer follow “%(title)s”.") % {"title": title})
    else:
        services.follow(target, actor=request.user)
        messages.success(request, _("You follow “%(title)s”: you will hear about its news.") % {"title": title})
    return redirect(safe_next(request, target.get_absolute_url() if hasattr(target, "get_absolute_url") else "/"))
