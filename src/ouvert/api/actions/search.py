"""``package_search``: CKAN's search parameters over the catalog search interface.

Requests the search interface can express (free text, positive filters on facets, its sorts)
go to ``ouvert.catalog.search.search_datasets`` as they are. Requests it cannot express
(negation, date ranges, name and id filters, ``id asc`` and other sorts, leaving out private
datasets the caller could see) are answered from ``visible_datasets`` — the same permission
rule the search applies — narrowed with the parsed clauses, the free text still matched by the
search interface.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from ouvert.accounts.models import Organisation
from ouvert.catalog import search
from ouvert.catalog.models import Dataset, Licence, Theme
from ouvert.catalog.permissions import visible_datasets
from ouvert.core.models import State

from .. import params
from ..errors import SearchQueryError
from ..fq import Clause, parse_fq, parse_sort
from ..registry import ANYONE, Call, action
from .common import EncodedJSON, encode, package_jsons

MAX_ROWS = 1000
DEFAULT_ROWS = 10
DEFAULT_FACET_LIMIT = 50
SEARCH_FACET_LIMIT = 50  # the search interface returns at most this many values per facet

#: CKAN facet and filter names -> the search interface's facet names.
FACETS = {"organization": "organisation", "groups": "theme", "tags": "tag", "res_format": "format",
          "license_id": "licence"}
#: CKAN filter names -> (dataset look-up, several values per dataset).
LOOKUPS = {
    "organization": ("organisation__name", False), "owner_org": ("organisation_id", False),
    "groups": ("themes__name", True), "tags": ("tags__name", True), "res_format": ("resources__format", True),
    "license_id": ("licence_id", False), "name": ("name", False), "id": ("pk", False),
}
UUID_LOOKUPS = {"organisation_id", "pk"}
DATES = {"metadata_modified": "modified", "metadata_created": "created"}
#: CKAN sorts the search interface knows (an empty sort is CKAN's default, relevance).
SEARCH_SORTS = {
    (): "relevance", (("score", True),): "relevance",
    (("score", True), ("metadata_modified", True)): "relevance",
    (("metadata_modified", True),): "modified", (("name", False),): "name",
}


@dataclass(frozen=True)
class Query:
    text: str
    clauses: list[Clause]
    sort: tuple[tuple[str, bool], ...]
    sort_text: str
    rows: int
    start: int
    facet_fields: list[str]
    facet_limit: int
    include_private: bool
    include_drafts: bool


def read_query(given: dict) -> Query:
    text = (params.text(given, "q", "") or "").strip()
    clauses = parse_fq(params.text(given, "fq", "") or "")
    for extra in params.string_list(given, "fq_list"):
        clauses += parse_fq(extra)
    if text in ("*:*", "*"):
        text = ""
    elif ":" in text:
        try:
            clauses += parse_fq(text, what="q")
            text = ""
        except SearchQueryError:
            pass  # free text that happens to hold a colon
    sort_text = params.text(given, "sort", "") or ""
    facet_fields = params.string_list(given, "facet.field")
    unknown = [f for f in facet_fields if f not in FACETS]
    if unknown:
        raise params.invalid("facet.field", _("Unknown facet: %(names)s; use %(facets)s.")
                             % {"names": ", ".join(unknown), "facets": ", ".join(FACETS)})
    facet_limit = params.integer(given, "facet.limit", DEFAULT_FACET_LIMIT, minimum=-1)
    return Query(
        text=text, clauses=clauses, sort=tuple(parse_sort(sort_text)), sort_text=sort_text or "score desc, metadata_modified desc",
        rows=params.integer(given, "rows", DEFAULT_ROWS, maximum=MAX_ROWS),
        start=params.integer(given, "start", 0),
        facet_fields=facet_fields if params.boolean(given, "facet", True) else [],
        facet_limit=facet_limit,
        include_private=params.boolean(given, "include_private", False),
        include_drafts=params.boolean(given, "include_drafts", False),
    )


@action("package_search", auth=ANYONE)
def package_search(call: Call) -> EncodedJSON:
    """Search the datasets the caller may see.

    Parameters: ``q`` (free text), ``fq`` (filters such as ``organization:name``,
    ``tags:"two words"``, ``-groups:name``, ``res_format:(CSV OR JSON)``,
    ``metadata_modified:[2020-01-01T00:00:00Z TO *]``; fields: organization, owner_org, groups,
    tags, res_format, license_id, name, id, metadata_modified, metadata_created),
    ``facet.field`` (a JSON list of organization, groups, tags, res_format, license_id),
    ``facet.limit`` (default 50, -1 for all), ``rows`` (default 10, at most 1000), ``start``,
    ``sort`` (score, metadata_modified, metadata_created, name, id, title_string; asc or desc,
    comma-separated), ``include_private`` and ``include_drafts`` (default false; only what the
    caller may see). Returns ``count``, ``results`` (full package dicts), ``facets``,
    ``search_facets`` and ``sort``.
    """
    query = read_query(call.params)
    plan = _search_plan(query, call.actor)
    if plan is not None:
        total, ids, facets = _run_search(query, call.actor, *plan)
    else:
        total, ids, facets = _run_queryset(query, call.actor, call.language)
    # Both ways read the page's datasets through the permission rule; they are read again here
    # through it, as they are now, since the package dicts come from a cache that trusts its
    # callers (``package_jsons``). Counts are the search's (see ``search.engine``).
    found = _allowed(query, call.actor).filter(pk__in=ids).select_related("organisation", "licence").in_bulk()
    results = package_jsons([found[pk] for pk in ids if pk in found], call.language)
    rest = encode({
        "sort": query.sort_text,
        "facets": {field: {item["name"]: item["count"] for item in items} for field, items in facets.items()},
        "search_facets": {field: {"title": field, "items": items} for field, items in facets.items()},
    })
    # The results come encoded, most of them from package_show's cache.
    return EncodedJSON(f'{{"count": {int(total)}, "results": [{", ".join(results)}], {rest[1:]}')


def _allowed(query: Query, actor):
    """The datasets ``query`` may return to ``actor``: those they may see, in its states,
    private ones only with ``include_private``."""
    states = [State.ACTIVE, State.DRAFT] if query.include_drafts else [State.ACTIVE]
    qs = visible_datasets(actor).filter(state__in=states)
    return qs if query.include_private else qs.filter(private=False)


def _search_plan(query: Query, actor) -> tuple[dict, str] | None:
    """(filters, sort) for the search interface, or None when it cannot express the query."""
    sort = SEARCH_SORTS.get(query.sort)
    if sort is None or query.facet_limit < 0 or query.facet_limit > SEARCH_FACET_LIMIT:
        return None
    filters: dict[str, list[str]] = {}
    for clause in query.clauses:
        if clause.field in ("dataset_type", "type") and clause.values == ("dataset",) and not clause.negated:
            continue
        if clause.negated or clause.field not in FACETS or FACETS[clause.field] in filters:
            return None
        filters[FACETS[clause.field]] = list(clause.values)
    if not query.include_private and visible_datasets(actor).filter(private=True).exists():
        return None
    return filters, sort


def _run_search(query: Query, actor, filters: dict, sort: str):
    # By offset rather than by pages cut again here: the search may leave out of a page what
    # the caller may no longer see (``search.engine``), which would shift a page cut again.
    result = search.search_datasets(query.text, actor=actor, filters=filters, sort=sort, offset=query.start,
                                    limit=query.rows, include_drafts=query.include_drafts)
    ids = [d.pk for d in result.datasets]
    facets = {}
    for field in query.facet_fields:
        values = result.facets.get(FACETS[field], [])[:query.facet_limit]
        facets[field] = [{"name": value, "display_name": label, "count": count} for value, label, count in values]
    return result.total, ids, facets


# --- requests the search interface cannot express -------------------------------------------

def _matching_ids(text: str, actor, include_drafts: bool) -> list:
    """Every dataset id the search interface matches for ``text``, best first."""
    ids: list = []
    number = 1
    while True:
        result = search.search_datasets(text, actor=actor, sort="relevance", page=number, page_size=MAX_ROWS,
                                        include_drafts=include_drafts)
        ids += [d.pk for d in result.datasets]
        if number * MAX_ROWS >= result.total:  # a page may hold fewer (``search.engine``)
            return ids
        number += 1


def _uuids(values) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # cannot match any id
    return out


def _condition(clause: Clause) -> Q:
    if clause.field in ("dataset_type", "type"):
        return Q() if set(clause.values) & {"dataset", "*"} else Q(pk__in=[])
    if clause.field in DATES:
        column = DATES[clause.field]
        condition = Q()
        if clause.low is not None:
            condition &= Q(**{f"{column}__{'gte' if clause.include_low else 'gt'}": clause.low})
        if clause.high is not None:
            condition &= Q(**{f"{column}__{'lte' if clause.include_high else 'lt'}": clause.high})
        return condition
    lookup, many = LOOKUPS[clause.field]
    values = _uuids(clause.values) if lookup in UUID_LOOKUPS else list(clause.values)
    if lookup == "name":
        values = [v.lower() for v in values]
    if many:
        return Q(pk__in=Dataset.objects.filter(**{f"{lookup}__in": values}).values("pk"))
    return Q(**{f"{lookup}__in": values})


def _run_queryset(query: Query, actor, language: str):
    qs = _allowed(query, actor)
    rank = None
    if query.text:
        ranked = _matching_ids(query.text, actor, query.include_drafts)
        rank = {pk: i for i, pk in enumerate(ranked)}
        qs = qs.filter(pk__in=ranked)
    for clause in query.clauses:
        condition = _condition(clause)
        qs = qs.exclude(condition) if clause.negated else qs.filter(condition)
    total = qs.count()
    sort = query.sort or (("score", True), ("metadata_modified", True))
    title = f"title_{language}"
    columns = {"metadata_modified": "modified", "metadata_created": "created", "name": "name", "id": "pk",
               "title_string": title}
    end = query.start + query.rows
    if rank is not None and any(field == "score" for field, _desc in sort):
        rows = list(qs.order_by().values_list("pk", "modified", "created", "name", title))
        position = {"id": 0, "metadata_modified": 1, "metadata_created": 2, "name": 3, "title_string": 4}
        rows.sort(key=lambda r: str(r[0]))
        for field, descending in reversed(sort):
            if field == "score":
                rows.sort(key=lambda r: rank[r[0]], reverse=not descending)
            else:
                rows.sort(key=lambda r, i=position[field]: r[i], reverse=descending)
        ids = [r[0] for r in rows[query.start:end]]
    else:
        ordering = [(F(columns[f]).desc() if desc else F(columns[f]).asc()) for f, desc in sort if f != "score"]
        ids = list(qs.order_by(*ordering, "pk").values_list("pk", flat=True)[query.start:end])
    facets = {field: _facet(qs, field, query.facet_limit) for field in query.facet_fields}
    return total, ids, facets


def _facet(qs, field: str, limit: int) -> list[dict]:
    lookup, _many = LOOKUPS[field]
    rows = (Dataset.objects.filter(pk__in=qs.order_by().values("pk")).filter(**{f"{lookup}__gt": ""})
            .values_list(lookup).annotate(n=Count("pk", distinct=True)).order_by("-n", lookup))
    rows = list(rows if limit < 0 else rows[:limit])
    labels: dict[str, str] = {}
    model = {"organization": (Organisation, "name"), "groups": (Theme, "name"), "license_id": (Licence, "pk")}.get(field)
    if model is not None:
        cls, key = model
        labels = {str(getattr(o, key)): str(o.title) for o in cls.objects.filter(**{f"{key}__in": [r[0] for r in rows]})}
    return [{"name": str(value), "display_name": labels.get(str(value)) or str(value), "count": n} for value, n in rows]
