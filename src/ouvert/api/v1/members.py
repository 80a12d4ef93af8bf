"""Organisation members (``/api/v1/organisations/{name}/members``).

They sit with the toolkit's own account endpoints, as ``accounts`` lies below the API; the
organisations themselves are read and written through the catalog's endpoints
(``ouvert.catalog.api.groups``), whose answers count the datasets each publishes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ouvert.accounts import services
from ouvert.accounts.models import Membership, Role

from .http import Reply
from .registry import API, AUTHENTICATED, JSON, Response, path_param
from .serializers import TIME

TAG = API.tag("members", gettext_lazy("The members of organisations and their roles."))
ORGANISATION_NAME = path_param("name", gettext_lazy("The organisation's name or id."))
USERNAME = path_param("username", gettext_lazy("The member's user name."))
ROLE = {"type": "string", "enum": list(Role.values),
        "description": "admin: manages the members; editor: edits the datasets; member: sees private datasets."}
MEMBER = API.schema("Member", {
    "type": "object",
    "properties": {"username": {"type": "string"}, "display_name": {"type": "string"}, "role": ROLE,
                   "since": TIME},
    "required": ["username", "display_name", "role", "since"], "additionalProperties": False,
})
MEMBER_LIST = API.schema("MemberList", {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": MEMBER}},
    "required": ["count", "results"], "additionalProperties": False,
})
MEMBER_INPUT = API.schema("MemberInput", {
    "type": "object", "description": "A person (by user name) and the role to give them.",
    "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 150}, "role": ROLE},
    "required": ["username", "role"], "additionalProperties": False,
})


def member_data(membership: Membership) -> dict:
    return {"username": membership.user.username, "display_name": membership.user.public_name,
            "role": membership.role, "since": membership.created.isoformat()}


@API.operation("GET", "/organisations/{name}/members", summary=gettext_lazy("List an organisation's members"),
               tag=TAG, params=(ORGANISATION_NAME,), auth=AUTHENTICATED, errors=(403, 404),
               responses={200: Response(gettext_lazy("The members, administrators first."), MEMBER_LIST)},
               description=gettext_lazy("The members and their roles (for the organisation's members)."))
def list_members(call):
    organisation = services.get_organisation(call.params["name"])
    members = [member_data(m) for m in services.list_members(organisation, actor=call.actor)]
    return {"count": len(members), "results": members}


@API.operation("POST", "/organisations/{name}/members", summary=gettext_lazy("Add a member or change a role"),
               tag=TAG, params=(ORGANISATION_NAME,), auth=AUTHENTICATED, body={JSON: MEMBER_INPUT},
               errors=(403, 404), responses={200: Response(gettext_lazy("The membership."), MEMBER)},
               description=gettext_lazy(
                   "Give a person a role in the organisation, adding them if they are not a member "
                   "(the organisation's administrators and sysadmins). An organisation keeps at least "
                   "one administrator."))
def add_member(call):
    organisation = services.get_organisation(call.params["name"])
    user = services.get_user_to_manage(organisation, call.body["username"], actor=call.actor)
    return member_data(services.set_membership(organisation, user, call.body["role"], actor=call.actor))


@API.operation("DELETE", "/organisations/{name}/members/{username}", summary=gettext_lazy("Remove a member"),
               tag=TAG, params=(ORGANISATION_NAME, USERNAME), auth=AUTHENTICATED, errors=(403, 404),
               responses={204: Response(gettext_lazy("The person is no longer a member."))},
               description=gettext_lazy(
                   "Remove a person from the organisation (its administrators and sysadmins); the last "
                   "administrator cannot be removed."))
def remove_member(call):
    organisation = services.get_organisation(call.params["name"])
    user = services.get_user_to_manage(organisation, call.params["username"], actor=call.actor)
    services.remove_membership(organisation, user, actor=call.actor)
    return Reply(204)
