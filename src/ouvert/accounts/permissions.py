"""The one place that answers "may this actor do this to that".

Services call ``require()``; views and the API never decide alone. Querysets of what an actor
may see come from ``visible_datasets()`` so lists, search, feeds and exports agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ouvert.core.errors import PermissionDenied

EDIT_ROLES = ("admin", "editor")


def _is_authenticated(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def is_sysadmin(actor) -> bool:
    return _is_authenticated(actor) and actor.is_superuser


def role_in(actor, organisation) -> str | None:
    """The actor's role in an organisation, cached on the actor for the request."""
    if not _is_authenticated(actor) or organisation is None:
        return None
    cache = actor.__dict__.setdefault("_ouvert_roles", None)
    if cache is None:
        cache = dict(actor.memberships.values_list("organisation_id", "role"))
        actor.__dict__["_ouvert_roles"] = cache
    return cache.get(organisation.pk if hasattr(organisation, "pk") else organisation)


def forget_roles(actor) -> None:
    """Drop the cached roles (after memberships change)."""
    if actor is not None:
        actor.__dict__.pop("_ouvert_roles", None)


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


# --- rules -------------------------------------------------------------------------------

def _dataset_view(actor, dataset) -> bool:
    if dataset.state == "active" and not dataset.private:
        return True
    role = role_in(actor, dataset.organisation_id)
    if dataset.state == "deleted":
        return role == "admin"
    if dataset.state == "draft":
        return role in EDIT_ROLES or (
            _is_authenticated(actor) and dataset.created_by_id == actor.pk and role is not None
        )
    return role is not None  # private and active: any member


def _dataset_edit(actor, dataset) -> bool:
    return dataset.state != "deleted" and role_in(actor, dataset.organisation_id) in EDIT_ROLES


def _org_edit_content(actor, organisation) -> bool:
    return role_in(actor, organisation) in EDIT_ROLES


def _org_admin(actor, organisation) -> bool:
    return role_in(actor, organisation) == "admin"


def _sysadmin_only(actor, obj) -> bool:
    return False


def _authenticated(actor, obj) -> bool:
    return _is_authenticated(actor)


def _self(actor, user) -> bool:
    return _is_authenticated(actor) and user is not None and actor.pk == user.pk


RULES = {
    "dataset.view": _dataset_view,
    "dataset.create": _org_edit_content,  # obj: the organisation
    "dataset.update": _dataset_edit,
    "dataset.publish": _dataset_edit,
    "dataset.delete": _dataset_edit,
    "organisation.create": _sysadmin_only,
    "organisation.update": _org_admin,
    "organisation.manage_members": _org_admin,
    "organisation.view_members": lambda a, o: role_in(a, o) is not None,
    "theme.manage": _sysadmin_only,
    "user.manage_tokens": _self,  # obj: the user whose tokens they are
    "user.view_private": _self,
    "user.update": _self,  # obj: the user whose profile it is
    "account.use": _authenticated,
}


# --- participation -----------------------------------------------------------------------
# Moderators of an organisation's challenges are its administrators and editors: the people
# who already answer for what the organisation publishes. Members may take part like anyone.

def _challenge_view(actor, challenge) -> bool:
    if challenge.status in ("published", "closed"):
        return True
    return role_in(actor, challenge.organisation_id) is not None


def _challenge_edit(actor, challenge) -> bool:
    return role_in(actor, challenge.organisation_id) in EDIT_ROLES


def _verified(actor, obj) -> bool:
    return _is_authenticated(actor) and bool(getattr(actor, "email_verified", False))


def _moderate(actor, organisation) -> bool:
    # obj: the organisation whose queue it is; None (content tied to no organisation) is for
    # sysadmins only.
    return organisation is not None and role_in(actor, organisation) in EDIT_ROLES


def _author(actor, content) -> bool:
    return _is_authenticated(actor) and content.author_id == actor.pk


RULES.update({
    "challenge.view": _challenge_view,
    "challenge.create": _org_edit_content,  # obj: the organisation
    "challenge.update": _challenge_edit,
    "idea.answer": lambda a, idea: _challenge_edit(a, idea.challenge),
    "idea.withdraw": _author,
    "participation.post": _authenticated,
    "participation.vote": _verified,
    "participation.flag": _authenticated,
    "participation.moderate": _moderate,
    "consultation.manage": _challenge_edit,  # obj: the challenge
    "consultation.respond": _authenticated,
    "reuse.submit": _authenticated,
})


def moderated_organisations(actor):
    """Organisations whose moderation queue ``actor`` sees (the ``participation.moderate`` rule)."""
    from ouvert.accounts.models import Organisation

    if is_sysadmin(actor):
        return Organisation.objects.all()
    if not _is_authenticated(actor):
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=actor, memberships__role__in=EDIT_ROLES)


@dataclass(frozen=True)
class DatasetVisibility:
    """Which datasets an actor may see, as data: the ``dataset.view`` rule resolved for one actor.

    ``visible_datasets`` turns it into a queryset and catalog search into SQL over its own index,
    so both read the rule from here.
    """

    everything: bool = False  # sysadmins
    user_id: object = None
    member_orgs: tuple = ()
    editor_orgs: tuple = ()
    admin_orgs: tuple = ()

    def clauses(self) -> list[dict[str, object]] | None:
        """Conditions OR-ed together, each a dict of field lookups AND-ed (``field`` or
        ``field__in``) over ``state``, ``private``, ``organisation_id`` and ``created_by_id``;
        None means no restriction. Clauses that could match nothing are left out.
        """
        if self.everything:
            return None
        clauses: list[dict[str, object]] = [{"state": "active", "private": False}]
        if self.member_orgs:
            clauses.append({"state": "active", "organisation_id__in": list(self.member_orgs)})
            clauses.append({"state": "draft", "organisation_id__in": list(self.member_orgs),
                            "created_by_id": self.user_id})
        if self.editor_orgs:
            clauses.append({"state": "draft", "organisation_id__in": list(self.editor_orgs)})
        if self.admin_orgs:
            clauses.append({"state": "deleted", "organisation_id__in": list(self.admin_orgs)})
        return clauses


def dataset_visibility(actor) -> DatasetVisibility:
    """What ``actor`` may see, with its memberships read now (one query)."""
    if is_sysadmin(actor):
        return DatasetVisibility(everything=True)
    if not _is_authenticated(actor):
        return DatasetVisibility()
    roles = list(actor.memberships.values_list("organisation_id", "role"))
    return DatasetVisibility(
        user_id=actor.pk,
        member_orgs=tuple(org for org, _role in roles),
        editor_orgs=tuple(org for org, role in roles if role in EDIT_ROLES),
        admin_orgs=tuple(org for org, role in roles if role == "admin"),
    )


def visible_datasets(actor, queryset: QuerySet | None = None, *, include_deleted: bool = False) -> QuerySet:
    """Datasets ``actor`` may see, following exactly the ``dataset.view`` rule.

    Deleted datasets are left out unless ``include_deleted`` (they are only for their admins).
    """
    from ouvert.catalog.models import Dataset

    qs = queryset if queryset is not None else Dataset.objects.all()
    if not include_deleted:
        qs = qs.exclude(state="deleted")
    clauses = dataset_visibility(actor).clauses()
    if clauses is None:
        return qs
    condition = Q()
    for clause in clauses:
        condition |= Q(**clause)
    return qs.filter(condition)


def editable_organisations(actor):
    """Organisations in which ``actor`` may create datasets."""
    from ouvert.accounts.models import Organisation

    if is_sysadmin(actor):
        return Organisation.objects.all()
    if not _is_authenticated(actor):
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=actor, memberships__role__in=EDIT_ROLES)
