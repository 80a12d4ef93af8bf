"""The caller's own account."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ouvert.accounts import services as accounts

from .registry import API, AUTHENTICATED, Response
from .serializers import BILINGUAL

TAG = API.tag("account", gettext_lazy("Who the caller is."))
ME = API.schema("Me", {
    "type": "object",
    "properties": {
        "username": {"type": "string"}, "display_name": {"type": "string"}, "email": {"type": "string"},
        "language": {"type": "string", "enum": ["fr", "en"]}, "sysadmin": {"type": "boolean"},
        "organisations": {"type": "array", "items": {
            "type": "object",
            "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "title": BILINGUAL,
                           "role": {"type": "string", "enum": ["admin", "editor", "member"]}},
            "required": ["id", "name", "title", "role"], "additionalProperties": False,
        }},
    },
    "required": ["username", "display_name", "email", "language", "sysadmin", "organisations"],
    "additionalProperties": False,
})


@API.operation("GET", "/me", summary=gettext_lazy("The caller's account"), tag=TAG, auth=AUTHENTICATED,
               responses={200: Response(gettext_lazy("The account and its organisations."), ME)},
               description=gettext_lazy(
                   "The account the token or session belongs to, with the caller's role in each "
                   "organisation."))
def get_me(call):
    user = call.actor
    memberships = accounts.list_memberships(user, actor=user)
    return {
        "username": user.username, "display_name": user.public_name, "email": user.email,
        "language": user.language, "sysadmin": bool(user.is_superuser),
        "organisations": [{"id": str(m.organisation.pk), "name": m.organisation.name,
                           "title": {"fr": m.organisation.title_fr, "en": m.organisation.title_en}, "role": m.role}
                          for m in sorted(memberships, key=lambda m: m.organisation.name)],
    }
