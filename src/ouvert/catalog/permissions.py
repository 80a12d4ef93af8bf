"""The catalog's permission rules, registered with ``ouvert.accounts.permissions`` when the app
is ready (``CatalogConfig.ready``): who may see, write and publish datasets, manage themes.

Who may see a dataset:
- a published (active) public dataset: everyone;
- a published private dataset: the members of its organisation;
- a draft: its organisation's editors and administrators, and the member who created it;
- a deleted dataset: its organisation's administrators.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ouvert.accounts import permissions
from ouvert.accounts.permissions import EDIT_ROLES, is_authenticated, is_editor, role_in

from .models import Dataset


def can_view_dataset(actor, dataset) -> bool:
    if dataset.state == "active" and not dataset.private:
        return True
    role = role_in(actor, dataset.organisation_id)
    if dataset.state == "deleted":
        return role == "admin"
    if dataset.state == "draft":
        return role in EDIT_ROLES or (
            is_authenticated(actor) and dataset.created_by_id == actor.pk and role is not None
        )
    return role is not None  # private and active: any member


def can_edit_dataset(actor, dataset) -> bool:
    return dataset.state != "deleted" and role_in(actor, dataset.organisation_id) in EDIT_ROLES


@dataclass(frozen=True)
class DatasetVisibility:
    """Which datasets an actor may see, as data: the ``dataset.view`` rule resolved for one actor.

    The queryset face reads it as a ``Q`` and catalog search as SQL over its own index, so both
    read the rule from here.
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

    def condition(self) -> Q:
        condition = Q()
        for clause in self.clauses() or ():
            condition |= Q(**clause)
        return condition


def dataset_visibility(actor) -> DatasetVisibility:
    """What ``actor`` may see, with their memberships (read once per request)."""
    if permissions.is_sysadmin(actor):
        return DatasetVisibility(everything=True)
    if not is_authenticated(actor):
        return DatasetVisibility()
    roles = permissions.roles_of(actor)
    return DatasetVisibility(
        user_id=actor.pk,
        member_orgs=tuple(roles),
        editor_orgs=tuple(org for org, role in roles.items() if role in EDIT_ROLES),
        admin_orgs=tuple(org for org, role in roles.items() if role == "admin"),
    )


def _visible_datasets(actor, qs: QuerySet) -> QuerySet:
    return qs.filter(dataset_visibility(actor).condition())


def visible_datasets(actor, queryset: QuerySet | None = None, *, include_deleted: bool = False) -> QuerySet:
    """Datasets ``actor`` may see (the queryset face of ``dataset.view``), over ``queryset`` when given.

    Deleted datasets are left out unless ``include_deleted`` (they are only for their admins,
    on the pages that restore them).
    """
    qs = permissions.visible(actor, "dataset", queryset)
    return qs if include_deleted else qs.exclude(state="deleted")


permissions.register_view("dataset", model=Dataset, predicate=can_view_dataset, queryset=_visible_datasets)
permissions.register("dataset.create", is_editor)  # obj: the organisation
permissions.register("dataset.update", can_edit_dataset)
permissions.register("dataset.publish", can_edit_dataset)
permissions.register("dataset.delete", can_edit_dataset)
permissions.register("theme.manage", permissions.sysadmin_only)
