"""Who the command line acts as: the commands record their changes under a user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ouvert.accounts import services


def acting_user(username: str | None):
    """The user named by ``--as``, or else the first sysadmin."""
    if username:
        return services.find_user(username)
    actor = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        raise CommandError(_("No sysadmin yet: create one with `ouvert createsuperuser`, or pass --as USERNAME."))
    return actor
