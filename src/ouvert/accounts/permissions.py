"""The one place that answers "may this actor do this to that", and "what may they see".

The engine knows no domain. Each app registers its rules from its ``AppConfig.ready()`` (its
``permissions`` module): ``register(action, predicate)`` for what an actor may do, and
``register_view(kind, ...)`` for what they may see, which gives the ``<kind>.view`` rule two
faces — a predicate for one object and a queryset of every object the actor may see — so
pages, lists, counts, feeds, exports and search agree with the check made on one object.
Services call ``require()``; views and the API never decide alone.

Rules are plain functions ``(actor, obj) -> bool``; sysadmins may do everything, and an
action or kind nobody registered raises ``KeyError`` rather than answering no. (The ``rules``
package would give predicate combinators, but neither the queryset face nor the raising, so a
small registry says it in fewer lines.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ouvert.core.errors import PermissionDenied

EDIT_ROLES = ("admin", "editor")

Predicate = Callable[[object, object], bool]


# --- actors ------------------------------------------------------------------------------

def is_authenticated(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def is_sysadmin(actor) -> bool:
    return is_authenticated(actor) and actor.is_superuser


def roles_of(actor) -> dict:
    """Organisation id → the actor's role there; read once and cached on the actor for the request."""
    if not is_authenticated(actor):
        return {}
    cache = actor.__dict__.get("_ouvert_roles")
    if cache is None:
        cache = dict(actor.memberships.values_list("organisation_id", "role"))
        actor.__dict__["_ouvert_roles"] = cache
    return cache


def role_in(actor, organisation) -> str | None:
    """The actor's role in an organisation (an organisation or its id), None if they hold none."""
    if organisation is None:
        return None
    return roles_of(actor).get(getattr(organisation, "pk", organisation))


def organisations_where(actor, roles=None) -> list:
    """Ids of the organisations where the actor holds one of ``roles`` (any role when None)."""
    return [org for org, role in roles_of(actor).items() if roles is None or role in roles]


def forget_roles(actor) -> None:
    """Drop the cached roles (after memberships change)."""
    if actor is not None:
        actor.__dict__.pop("_ouvert_roles", None)


# --- reusable predicates -----------------------------------------------------------------

def authenticated(actor, obj=None) -> bool:
    return is_authenticated(actor)


def verified(actor, obj=None) -> bool:
    return is_authenticated(actor) and bool(getattr(actor, "email_verified", False))


def sysadmin_only(actor, obj=None) -> bool:
    # Sysadmins pass every rule before it is asked (see ``can``): nobody else passes this one.
    return False


def is_self(actor, user) -> bool:
    """obj: a user; true for that user themselves."""
    return is_authenticated(actor) and user is not None and actor.pk == user.pk


def is_author(actor, content) -> bool:
    """obj: content with an ``author``; true for its author."""
    return is_authenticated(actor) and content.author_id == actor.pk


def has_role(*roles: str) -> Predicate:
    """A predicate over an organisation (or its id): the actor holds one of ``roles`` there,
    or any role when none is given."""

    def predicate(actor, organisation) -> bool:
        role = role_in(actor, organisation)
        return role is not None and (not roles or role in roles)

    return predicate


is_member = has_role()
is_editor = has_role(*EDIT_ROLES)
is_admin = has_role("admin")


# --- the registry --------------------------------------------------------------------------

@dataclass(frozen=True)
class View:
    """The two faces of a kind's ``view`` rule.

    ``queryset(actor, qs)`` narrows ``qs`` (objects of ``model``) to those ``actor`` may see; it
    is asked only for actors who are not sysadmins, and must keep exactly the objects for which
    ``predicate(actor, obj)`` holds.
    """

    kind: str
    model: type
    predicate: Predicate
    queryset: Callable[[object, QuerySet], QuerySet]


RULES: dict[str, Predicate] = {}
VIEWS: dict[str, View] = {}


def register(action: str, predicate: Predicate) -> None:
    """Make ``predicate(actor, obj)`` the rule of ``action`` (``"<kind>.<verb>"``)."""
    if RULES.get(action, predicate) is not predicate:
        raise ImproperlyConfigured(f"permission action {action!r} is registered twice")
    RULES[action] = predicate


def register_view(kind: str, *, model: type, predicate: Predicate,
                  queryset: Callable[[object, QuerySet], QuerySet]) -> None:
    """Register the ``<kind>.view`` rule with both its faces (see ``View``)."""
    register(f"{kind}.view", predicate)
    VIEWS[kind] = View(kind, model, predicate, queryset)


def can(actor, action: str, obj=None) -> bool:
    """Whether ``actor`` (a user, or None/anonymous) may perform ``action`` on ``obj``."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown permission action {action!r}")
    if is_sysadmin(actor):
        return True
    return rule(actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def visible(actor, kind: str, queryset: QuerySet | None = None) -> QuerySet:
    """The objects of ``kind`` that ``actor`` may see: the queryset face of ``<kind>.view``,
    over ``queryset`` when given (say, one challenge's consultations), else over them all."""
    view = VIEWS.get(kind)
    if view is None:
        raise KeyError(f"unknown permission kind {kind!r}")
    qs = queryset if queryset is not None else view.model._default_manager.all()
    if is_sysadmin(actor):
        return qs
    return view.queryset(actor, qs)


def editable_organisations(actor) -> QuerySet:
    """Organisations where ``actor`` is an editor or administrator: those in which they may
    publish (``dataset.create``, ``challenge.create``)."""
    from .models import Organisation

    if is_sysadmin(actor):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=organisations_where(actor, EDIT_ROLES))


# --- accounts' own rules -------------------------------------------------------------------
# Organisations and memberships are managed by their administrators; an account's tokens and
# profile by the person themselves.

register("organisation.create", sysadmin_only)
register("organisation.update", is_admin)
register("organisation.manage_members", is_admin)
register("organisation.view_members", is_member)
register("user.manage_tokens", is_self)  # obj: the user whose tokens they are
register("user.view_private", is_self)
register("user.update", is_self)  # obj: the user whose profile it is
register("account.use", authenticated)
