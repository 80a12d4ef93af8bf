"""Follows in the native API (``/api/v1/``): follow any registered kind of object, or stop.

``kind`` is one of the followable kinds (``dataset``, ``organisation``, ``challenge``, ``idea``
and whatever other domains register); ``key`` addresses the object as its own endpoints do (a
dataset's, organisation's or challenge's name, an idea's id). What the caller may not see does
not exist here either.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ouvert.api.v1.registry import API, AUTHENTICATED, Response, path_param

from . import followables, services

TAG = API.tag("notifications", gettext_lazy(
    "Follows: a person asks to hear about a dataset, an organisation, a challenge, an idea."))

FOLLOW = API.schema("Follow", {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "description": "The kind of object followed."},
        "key": {"type": "string", "description": "The object's name or id."},
        "following": {"type": "boolean", "description": "Whether the caller follows it."},
    },
    "required": ["kind", "key", "following"], "additionalProperties": False,
})
PARAMS = (
    path_param("kind", gettext_lazy("The kind of object: dataset, organisation, challenge, idea..."),
               pattern="^[a-z_]+$", maxLength=50),
    path_param("key", gettext_lazy("The object's name (dataset, organisation, challenge) or id (idea).")),
)
PATH = "/follows/{kind}/{key}"


def _target(call):
    return services.get_target(call.params["kind"], call.params["key"], actor=call.actor)


def _state(target, actor) -> dict:
    followable = followables.of(target)
    return {"kind": followable.kind, "key": followable.key(target),
            "following": services.is_following(target, actor=actor)}


@API.operation("GET", PATH, summary=gettext_lazy("Whether the caller follows an object"), tag=TAG, params=PARAMS,
               errors=(404,), responses={200: Response(gettext_lazy("The follow's state."), FOLLOW)},
               description=gettext_lazy("Whether the caller follows the object (false without a token)."))
def get_follow(call):
    return _state(_target(call), call.actor)


@API.operation("PUT", PATH, summary=gettext_lazy("Follow an object"), tag=TAG, params=PARAMS, auth=AUTHENTICATED,
               errors=(403, 404), responses={200: Response(gettext_lazy("The caller follows the object."), FOLLOW)},
               description=gettext_lazy("Follow a dataset, an organisation, a challenge or an idea the caller may "
                                        "see; following twice is the same as once."))
def follow_object(call):
    target = _target(call)
    services.follow(target, actor=call.actor)
    return _state(target, call.actor)


@API.operation("DELETE", PATH, summary=gettext_lazy("Stop following an object"), tag=TAG, params=PARAMS,
               auth=AUTHENTICATED, errors=(403, 404),
               responses={200: Response(gettext_lazy("The caller no longer follows the object."), FOLLOW)},
               description=gettext_lazy("Stop following; a no-op when the caller did not follow the object."))
def unfollow_object(call):
    target = services.unfollow_key(call.params["kind"], call.params["key"], actor=call.actor)
    return _state(target, call.actor)
