"""The datastore's sections of the resource page, and the publisher's datastore screens.

``resource_sections()`` computes everything the resource page shows about a tabular resource
(ingestion status, preview page, columns, quality report, chart builder settings, API
examples) once; the resource page shows it as a panel (registered in ``apps.py``),
and the partial views below render pieces of it for scripts. Views are adapters over
``ouvert.datastore.services``: ``NotFound`` → 404, ``PermissionDenied`` → 403.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ouvert.accounts import permissions
from ouvert.accounts.permissions import can
from ouvert.catalog import services as catalog_services
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.i18n import Localised, current_language, pick
from ouvert.web.errors import domain_errors

from . import params as query_params
from . import services
from .forms import ColumnForm, IngestionOptionsForm, dictionary_errors
from .models import ColumnInfo

PREVIEW_PAGE_SIZE = 20
MAX_FILTERS = 10
PROBLEMS_SHOWN = 50
CHART_MAX_POINTS = 1000

#: Operators of the preview's filter form (native lookups), in the order offered.
OPERATORS = {
    "exact": gettext_lazy("is"),
    "not": gettext_lazy("is not"),
    "contains": gettext_lazy("contains"),
    "startswith": gettext_lazy("starts with"),
    "greater": gettext_lazy("is greater than"),
    "less": gettext_lazy("is less than"),
    "isnull": gettext_lazy("is empty"),
}
TYPE_LABELS = {
    "integer": gettext_lazy("Integer"),
    "number": gettext_lazy("Number"),
    "boolean": gettext_lazy("Yes/no"),
    "date": gettext_lazy("Date"),
    "datetime": gettext_lazy("Date and time"),
    "time": gettext_lazy("Time"),
    "year": gettext_lazy("Year"),
    "string": gettext_lazy("Text"),
}
NUMERIC_TYPES = ("integer", "number")
DELIMITER_LABELS = {
    ",": gettext_lazy("comma (,)"), ";": gettext_lazy("semicolon (;)"), "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar (|)"),
}
LINE_ENDINGS = {"LF": "LF", "CRLF": "CRLF", "CR": "CR"}


def _resource(request, name, resource_id):
    resource = catalog_services.get_resource(resource_id, actor=request.user)
    if resource.dataset.name != name or not services.is_tabular(resource):
        raise NotFound(_("Resource not found."))
    return resource


def _editable(request, name, resource_id):
    resource = _resource(request, name, resource_id)
    permissions.require(request.user, "dataset.update", resource.dataset)
    return resource


# --- columns -----------------------------------------------------------------------------

def _label(info, ingested: dict, name: str) -> Localised:
    """A column's label in the reader's language: the publisher's, then one read from a
    bilingual header ("Ville / City"), then its name."""
    if info is not None:
        chosen = pick(info, "label")
        if chosen.value:
            return chosen
    labels = ingested.get("labels") or {}
    language = current_language()
    for lang in [language] + [code for code in ("fr", "en") if code != language]:
        if labels.get(lang):
            return Localised(labels[lang], lang, lang != language)
    return Localised(name, language, False)


def _column_infos(resource) -> dict[str, Any]:
    return {info.name: info for info in ColumnInfo.objects.filter(resource=resource)}


def table_columns(resource, table) -> list[dict]:
    """The table's columns (``_id`` aside) with their type, label, description and profile."""
    infos = _column_infos(resource)
    ingested = {c.get("name"): c for c in (getattr(table, "columns", None) or []) if isinstance(c, dict)}
    fields = [f for f in (table.schema or {}).get("fields", []) if f.get("name") != "_id"]
    columns = []
    for field in fields:
        name = field["name"]
        info = infos.get(name)
        kind = field.get("type") or "string"
        override = getattr(info, "type_override", "") or ""
        columns.append({
            "name": name,
            "type": kind,
            "type_label": TYPE_LABELS.get(kind, kind),
            "override": override if override and override != kind else "",
            "override_label": TYPE_LABELS.get(override, override),
            "numeric": kind in NUMERIC_TYPES,
            "label": _label(info, ingested.get(name, {}), name),
            "description": pick(info, "description") if info else Localised("", current_language(), False),
            "info": info,
            "null_count": ingested.get(name, {}).get("null_count"),
            "format": field.get("format") or "",
        })
    return columns


# --- preview -----------------------------------------------------------------------------

def _filters(params: QueryDict, names: set[str]) -> list[dict]:
    """Filters from aligned ``fc`` (column), ``fo`` (operator), ``fv`` (value) parameters."""
    found, seen = [], set()
    for column, operator, value in zip(params.getlist("fc"), params.getlist("fo"), params.getlist("fv"), strict=False):
        value = value.strip()[:200]
        if column not in names or operator not in OPERATORS or (not value and operator != "isnull"):
            continue
        if operator == "isnull":
            value = ""
        key = (column, operator, value)
        if key in seen:
            continue
        seen.add(key)
        found.append({"column": column, "operator": operator, "value": value})
        if len(found) >= MAX_FILTERS:
            break
    return found


def _lookups(filters: list[dict]) -> QueryDict:
    lookups = QueryDict(mutable=True)
    for item in filters:
        lookups.appendlist(f"{item['column']}__{item['operator']}",
                           "true" if item["operator"] == "isnull" else item["value"])
    return lookups


def _sort(value: str, names: set[str]) -> str:
    return value if value.lstrip("-") in names else ""


def _page_url(base: str, *, filters: list[dict], sort: str, page: int = 1) -> str:
    params = QueryDict(mutable=True)
    for item in filters:
        params.appendlist("fc", item["column"])
        params.appendlist("fo", item["operator"])
        params.appendlist("fv", item["value"])
    if sort:
        params["sort"] = sort
    if page > 1:
        params["page"] = str(page)
    query = params.urlencode()
    return f"{base}?{query}#datastore-preview" if query else f"{base}#datastore-preview"


def preview_context(request, resource, columns: list[dict]) -> dict:
    """One page of the active table, sorted and filtered as the query string says."""
    names = {c["name"] for c in columns}
    by_name = {c["name"]: c for c in columns}
    base = resource.get_absolute_url()
    filters = _filters(request.GET, names)
    sort = _sort(request.GET.get("sort", ""), names)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    params = _lookups(filters)
    if sort:
        params["sort"] = sort
    params["page"] = str(page)
    params["page_size"] = str(PREVIEW_PAGE_SIZE)
    error, records, total = "", [], 0
    try:
        result = services.query_rows(resource.pk, actor=request.user,
                                     **query_params.row_query(params))
    except ValidationFailed as exc:
        error = str(exc)
    else:
        records = result.get("records") or []
        total = result.get("total") or 0
    pages = max(1, math.ceil(total / PREVIEW_PAGE_SIZE))

    headers = []
    for column in columns:
        current = sort.lstrip("-") == column["name"]
        descending = current and sort.startswith("-")
        headers.append({
            **column,
            "aria_sort": ("descending" if descending else "ascending") if current else "",
            # A click sorts ascending, then descending, then ascending again.
            "sort_url": _page_url(base, filters=filters, sort=("" if descending else "-") + column["name"]
                                  if current else column["name"]),
            "next_direction": _("descending") if current and not descending else _("ascending"),
        })
    rows = [{"id": record.get("_id"), "cells": [_cell(record.get(c["name"]), c["type"]) for c in columns]}
            for record in records]
    window = range(max(1, page - 2), min(pages, page + 2) + 1)
    active = []
    for item in filters:
        rest = [f for f in filters if f is not item]
        active.append({**item, "label": by_name[item["column"]]["label"],
                       "operator_label": OPERATORS[item["operator"]],
                       "remove_url": _page_url(base, filters=rest, sort=sort)})
    return {
        "headers": headers, "rows": rows, "total": total, "error": error,
        "filters": active, "sort": sort, "operators": list(OPERATORS.items()),
        "filter_action": base,
        "clear_url": f"{base}#datastore-preview" if filters or sort else "",
        "page": page, "pages": pages,
        "first_row": (page - 1) * PREVIEW_PAGE_SIZE + 1 if rows else 0,
        "last_row": (page - 1) * PREVIEW_PAGE_SIZE + len(rows),
        "page_links": [{"number": n, "url": _page_url(base, filters=filters, sort=sort, page=n), "current": n == page}
                       for n in window],
        "previous_url": _page_url(base, filters=filters, sort=sort, page=page - 1) if page > 1 else None,
        "next_url": _page_url(base, filters=filters, sort=sort, page=page + 1) if page < pages else None,
        "lookups": params_without_paging(params),
    }


def params_without_paging(params: QueryDict) -> str:
    """The preview's filters as native query parameters, for the chart builder's fetches."""
    kept = params.copy()
    for key in ("sort", "page", "page_size"):
        kept.pop(key, None)
    return kept.urlencode()


def _cell(value, kind: str) -> dict:
    if value is None or value == "":
        return {"empty": True, "value": ""}
    if kind == "boolean" and isinstance(value, bool):
        return {"value": _("yes") if value else _("no")}
    return {"value": value, "numeric": kind in NUMERIC_TYPES}


# --- status, quality report, API ---------------------------------------------------------

def status_context(resource, state: dict) -> dict:
    progress = state.get("progress") or {}
    percent = progress.get("percent")
    if isinstance(percent, (int, float)) and not isinstance(percent, bool):
        percent = max(0, min(100, math.floor(percent)))  # 0-100; never shows 100 before the end
    else:
        percent = None
    return {
        "state": state.get("state") or "none",
        "rows_read": progress.get("rows"),
        "percent": percent,
        "error": state.get("error") or "",
        "active_version": state.get("active_version") or None,
        "pending": state.get("pending"),
        "busy": (state.get("state") in ("queued", "running")),
    }


def quality_context(table, columns: list[dict]) -> dict:
    report = table.report or {}
    encoding = report.get("encoding")
    if not isinstance(encoding, dict):
        encoding = {"encoding": table.encoding or encoding} if (table.encoding or encoding) else None
    elif encoding.get("confidence") is not None:
        encoding = {**encoding, "confidence_percent": round(float(encoding["confidence"]) * 100)}
    dialect = report.get("dialect") if isinstance(report.get("dialect"), dict) else (table.dialect or None)
    if dialect:
        dialect = {**dialect,
                   "delimiter_label": DELIMITER_LABELS.get(dialect.get("delimiter"), dialect.get("delimiter")),
                   "line_ending": LINE_ENDINGS.get(dialect.get("line_terminator"), dialect.get("line_terminator"))}
    problems = report.get("problems") or {}
    items = list(problems.get("items") or [])
    total = problems.get("total", len(items))
    return {
        "rows": report.get("rows", getattr(table, "rows", None)),
        "column_count": len(columns),
        "encoding": encoding,
        "dialect": dialect,
        "format": report.get("format", ""),
        "problems": items[:PROBLEMS_SHOWN],
        "problem_total": total,
        "problem_counts": sorted((problems.get("counts") or {}).items(), key=lambda kv: (-kv[1], kv[0])),
        "problems_hidden": max(0, total - min(len(items), PROBLEMS_SHOWN)),
    }


def api_context(resource) -> dict:
    site = settings.SITE_URL.rstrip("/")
    rid = str(resource.pk)
    return {
        "site": site,
        "resource_id": rid,
        "search_url": f"{site}/api/3/action/datastore_search?resource_id={rid}&limit=5",
        "records_url": f"{site}/api/v1/datastore/{rid}/records?page_size=5",
        "status_url": f"{site}/api/v1/datastore/{rid}",
        "exports": [(label, f"{site}/api/v1/datastore/{rid}/export.{fmt}")
                    for fmt, label in (("csv", "CSV"), ("json", "JSON"), ("parquet", "Parquet"))],
        "private": not resource.dataset.is_public,
    }


def chart_strings() -> dict:
    """The chart builder's messages, translated here for the script (``%(name)s`` placeholders)."""
    return {
        "loading": _("Loading the chart’s data…"),
        "drawn": _("Chart drawn with %(n)s values."),
        "truncated": _("Only the first %(n)s values of the horizontal axis are drawn; add a filter to see others."),
        "error": _("The chart could not be drawn: %(message)s"),
        "library": _("The charting library could not be loaded."),
        "empty": _("There is no data to draw."),
        "needY": _("Choose a numeric column for the vertical axis."),
        "scatterX": _("A scatter chart needs a numeric column on the horizontal axis."),
        "nullLabel": _("(empty)"),
        "kinds": {"bar": _("Bar chart"), "line": _("Line chart"), "scatter": _("Scatter chart")},
        "titles": {
            "count": _("Number of rows by %(x)s"),
            "sum": _("Sum of %(y)s by %(x)s"),
            "avg": _("Average of %(y)s by %(x)s"),
            "min": _("Minimum of %(y)s by %(x)s"),
            "max": _("Maximum of %(y)s by %(x)s"),
            "scatter": _("%(y)s against %(x)s"),
        },
        "count": _("Number of rows"),
    }


def resource_sections(request, resource) -> dict | None:
    """Everything the resource page shows about the resource's table, or None when the
    resource is not tabular (or the reader may not see its table)."""
    if not services.is_tabular(resource):
        return None
    actor = request.user
    try:
        state = services.table_status(resource, actor=actor)
    except NotFound:
        return None
    try:
        table = services.served_version(resource, actor=actor)
    except NotFound:
        table = None
    context: dict[str, Any] = {
        "resource": resource,
        "dataset": resource.dataset,
        "status": status_context(resource, state),
        "can_edit": can(actor, "dataset.update", resource.dataset),
        "table": table,
        "api": api_context(resource),
    }
    if context["can_edit"]:
        context["options_form"] = IngestionOptionsForm(initial=IngestionOptionsForm.initial_for(resource, table))
    if table is not None:
        columns = table_columns(resource, table)
        context.update({
            "columns": columns,
            "preview": preview_context(request, resource, columns),
            "quality": quality_context(table, columns),
            "chart": {
                "records_url": f"/api/v1/datastore/{resource.pk}/records",
                "max_points": CHART_MAX_POINTS,
                "numeric_columns": [c for c in columns if c["numeric"]],
                "strings": chart_strings(),
            },
        })
    return context


# --- views -------------------------------------------------------------------------------

def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@domain_errors
def preview(request, name, resource_id):
    """The preview table alone (sorted, filtered, paged as the query string says)."""
    resource = _resource(request, name, resource_id)
    table = services.served_version(resource, actor=request.user)
    columns = table_columns(resource, table)
    return _no_store(render(request, "datastore/preview.html", {
        "resource": resource, "preview": preview_context(request, resource, columns), "partial": True}))


@require_GET
@domain_errors
def status(request, name, resource_id):
    """The ingestion status block; the resource page's script polls it while a load runs."""
    resource = _resource(request, name, resource_id)
    state = services.table_status(resource, actor=request.user)
    return _no_store(render(request, "datastore/status.html", {
        "resource": resource, "status": status_context(resource, state), "partial": True}))


@login_required
@domain_errors
def dictionary(request, name, resource_id):
    """Edit the labels, descriptions and type overrides of the table's columns."""
    resource = _editable(request, name, resource_id)
    table = services.served_version(resource, actor=request.user)
    columns = table_columns(resource, table)
    if request.method == "POST":
        forms = [ColumnForm(request.POST, prefix=f"col{i}", column=c) for i, c in enumerate(columns)]
        if all(form.is_valid() for form in forms):
            try:
                services.update_dictionary(resource, actor=request.user,
                                           columns=[form.service_data() for form in forms])
            except ValidationFailed as exc:
                errors = dictionary_errors(exc, forms)
            else:
                messages.success(request, _("The data dictionary was saved. A changed type applies when the data is loaded again."))
                return redirect(resource.get_absolute_url() + "#datastore-dictionary")
        else:
            errors = dictionary_errors(None, forms)
    else:
        forms = [ColumnForm(prefix=f"col{i}", column=c, initial=ColumnForm.initial_for(c)) for i, c in enumerate(columns)]
        errors = []
    return render(request, "datastore/dictionary_form.html", {
        "resource": resource, "dataset": resource.dataset, "forms": forms, "errors": errors,
    }, status=400 if errors else 200)


@login_required
@domain_errors
def options(request, name, resource_id):
    """Override the detected encoding, delimiter or header row, and load the file again."""
    resource = _editable(request, name, resource_id)
    if request.method == "POST":
        form = IngestionOptionsForm(request.POST)
        if form.is_valid():
            try:
                # Saving the options queues a new load of the file.
                services.set_ingestion_options(resource, actor=request.user, **form.service_data())
            except ValidationFailed as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The loading options were saved; the data is being loaded again."))
                return redirect(resource.get_absolute_url() + "#datastore-status")
    else:
        try:
            table = services.served_version(resource, actor=request.user)
        except NotFound:
            table = None
        form = IngestionOptionsForm(initial=IngestionOptionsForm.initial_for(resource, table))
    return render(request, "datastore/options_form.html", {
        "resource": resource, "dataset": resource.dataset, "form": form,
    }, status=400 if form.errors else 200)

