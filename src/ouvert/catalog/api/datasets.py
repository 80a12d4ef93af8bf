"""Datasets: search, read, create, replace, change, delete, publish, history."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.accounts import services as accounts
from ouvert.api.v1 import paging
from ouvert.api.v1.http import Reply
from ouvert.api.v1.registry import API, AUTHENTICATED, JSON, Param, Response, path_param
from ouvert.api.v1.serializers import page_schema
from ouvert.api.v1.validation import renamed
from ouvert.catalog import licences, search, services
from ouvert.catalog.models import Dataset, Frequency
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.models import Activity, State
from ouvert.core.validation import max_length

from .serializers import ACTIVITY, DATASET, activity_data, datasets_data

TAG = API.tag("datasets", gettext_lazy("Datasets and their metadata."))
NAME_OR_ID = path_param("name_or_id", gettext_lazy("The dataset's name or id."))
DATASET_ID = path_param("id", gettext_lazy("The dataset's id or name."))

# --- input -------------------------------------------------------------------------------

TITLE_INPUT = API.schema("TitleInput", {
    "type": "object", "description": "Text in French, English or both.",
    "properties": {lang: {"type": "string", "maxLength": max_length(Dataset, f"title_{lang}")} for lang in ("fr", "en")},
    "additionalProperties": False,
})
TEXT_INPUT = API.schema("TextInput", {
    "type": "object", "description": "Markdown text in French, English or both.",
    "properties": {"fr": {"type": "string", "maxLength": 50_000}, "en": {"type": "string", "maxLength": 50_000}},
    "additionalProperties": False,
})
WORDS = {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 200}
EXTRAS_INPUT = API.schema("ExtrasInput", {
    "type": "object", "description": "Other metadata, as keys (1 to 100 characters) and values.",
    "propertyNames": {"minLength": 1, "maxLength": 100},
    "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 10_000},
    "maxProperties": 100,
})
_FIELDS = {
    "name": {"type": "string", "maxLength": 100,
             "description": "2 to 100 lowercase letters, digits, hyphens or underscores."},
    "organisation": {"type": "string", "maxLength": 100, "description": "The organisation's name or id."},
    "title": TITLE_INPUT, "description": TEXT_INPUT,
    "licence": {"type": ["string", "null"], "maxLength": 100, "description": "A licence id (see /licences)."},
    "tags": {**WORDS, "description": "Keywords shared by both languages."},
    "keywords": {"type": "object", "properties": {"fr": WORDS, "en": WORDS}, "additionalProperties": False,
                 "description": "Keywords in one language."},
    "themes": {**WORDS, "description": "Theme names."},
    "frequency": {"type": "string", "enum": list(Frequency.values)},
    "temporal_start": {"type": ["string", "null"], "format": "date"},
    "temporal_end": {"type": ["string", "null"], "format": "date"},
    "spatial": {"type": "string", "maxLength": 300}, "contact_name": {"type": "string", "maxLength": 200},
    "contact_email": {"type": "string", "maxLength": 254}, "source_url": {"type": "string", "maxLength": 1000},
    "version": {"type": "string", "maxLength": 100}, "private": {"type": "boolean"}, "extras": EXTRAS_INPUT,
}
DATASET_CREATE = API.schema("DatasetCreate", {
    "type": "object",
    "properties": {**_FIELDS, "state": {"type": "string", "enum": [State.DRAFT, State.ACTIVE], "default": State.DRAFT,
                                        "description": "active publishes at once; draft (the default) waits for publish."}},
    "required": ["name", "organisation", "title"], "additionalProperties": False,
})
DATASET_CHANGE = API.schema("DatasetChange", {
    "type": "object", "description": "The fields to set; organisation moves the dataset.",
    "properties": {**_FIELDS, "state": {"type": "string", "enum": [State.DRAFT, State.ACTIVE],
                                        "description": "active publishes a draft; a published dataset cannot go "
                                                       "back to draft."}},
    "additionalProperties": False,
})
SIMPLE = {"name": "name", "licence": "licence", "tags": "tags", "themes": "themes", "frequency": "frequency",
          "temporal_start": "temporal_start", "temporal_end": "temporal_end", "spatial": "spatial",
          "contact_name": "contact_name", "contact_email": "contact_email", "source_url": "source_url",
          "version": "version", "private": "private", "extras": "extras"}
#: What a full replace (PUT) sets a field to when the body leaves it out.
DEFAULTS = {"title_fr": "", "title_en": "", "description_fr": "", "description_en": "", "licence": "",
            "tags": [], "tags_fr": [], "tags_en": [], "themes": [], "frequency": Frequency.UNKNOWN,
            "temporal_start": None, "temporal_end": None, "spatial": "", "contact_name": "", "contact_email": "",
            "source_url": "", "version": "", "private": False, "extras": {}}
#: The services' field names -> the body's, for error messages.
FIELD_NAMES = {"title_fr": "title.fr", "title_en": "title.en", "description_fr": "description.fr",
               "description_en": "description.en", "tags_fr": "keywords.fr", "tags_en": "keywords.en"}


def dataset_input(body: dict) -> dict:
    """The services' dataset fields from a checked body."""
    out = {ours: body[key] for key, ours in SIMPLE.items() if key in body}
    for field in ("title", "description"):
        for lang, text in body.get(field, {}).items():
            out[f"{field}_{lang}"] = text
    for lang, words in body.get("keywords", {}).items():
        out[f"tags_{lang}"] = words
    if "extras" in out:  # stored as text; numbers and booleans as JSON writes them
        out["extras"] = {k: v if isinstance(v, str) else json.dumps(v) for k, v in out["extras"].items()}
    if isinstance(out.get("licence"), str):
        out["licence"] = licences.resolve(out["licence"]) or out["licence"]
    elif "licence" in out:
        out["licence"] = ""
    return out


def _organisation(value: str):
    try:
        return accounts.get_organisation(value)
    except NotFound:
        raise ValidationFailed(_("Some fields are not valid."), fields={
            "organisation": [_("Organisation “%(name)s” not found.") % {"name": value}]}) from None


# --- search ------------------------------------------------------------------------------

FACET_VALUE = API.schema("FacetValue", {
    "type": "object",
    "properties": {"value": {"type": "string", "description": "What to filter on."},
                   "label": {"type": "string", "description": "What to show, in the reader's language."},
                   "count": {"type": "integer"}},
    "required": ["value", "label", "count"], "additionalProperties": False,
})
FACETS = API.schema("Facets", {
    "type": "object", "description": "For each facet, its most frequent values among all the results.",
    "properties": {name: {"type": "array", "items": FACET_VALUE} for name in search.FACETS},
    "required": list(search.FACETS), "additionalProperties": False,
})
DATASET_PAGE = page_schema("DatasetPage", DATASET, facets=FACETS)
SORTS = {
    "relevance": None, "name": [("name", "asc")], "-name": [("name", "desc")],
    "title": [("title", "asc")], "-title": [("title", "desc")],
    "modified": [("modified", "asc")], "-modified": [("modified", "desc")],
    "created": [("created", "asc")], "-created": [("created", "desc")],
}
FILTER = {"type": "array", "items": {"type": "string", "maxLength": 300}, "maxItems": 50}
SEARCH_PARAMS = (
    Param("q", {"type": "string", "maxLength": 1000}, gettext_lazy(
        "Free text in French or English; accents and case do not matter.")),
    Param("organisation", FILTER, gettext_lazy("Organisation names (repeat for several: any of them).")),
    Param("theme", FILTER, gettext_lazy("Theme names.")),
    Param("tag", FILTER, gettext_lazy("Keywords.")),
    Param("format", FILTER, gettext_lazy("Resource formats, such as CSV.")),
    Param("licence", FILTER, gettext_lazy("Licence ids.")),
    Param("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"}, gettext_lazy(
        "Order: relevance (best first, then newest), or a field, descending with a leading minus.")),
    Param("include_drafts", {"type": "boolean", "default": False}, gettext_lazy(
        "Include the drafts the caller may see.")),
    *paging.params(),
)


@API.operation("GET", "/datasets", summary=gettext_lazy("Search datasets"), tag=TAG, params=SEARCH_PARAMS,
               responses={200: Response(gettext_lazy("One page of results with facet counts."), DATASET_PAGE)},
               description=gettext_lazy(
                   "The datasets the caller may see, matching the text and filters.\n\n"
                   "Values of one filter are alternatives; different filters must all match. Private "
                   "datasets appear only to members of their organisation; drafts only with "
                   "`include_drafts`, to those who may edit them. Counts and facets count only what the "
                   "caller may see."))
def list_datasets(call):
    filters = {name: call.params[key] for key, name in (
        ("organisation", "organisation"), ("theme", "theme"), ("tag", "tag"), ("format", "format"),
        ("licence", "licence")) if call.params.get(key)}
    offset, limit = paging.bounds(call)
    order = SORTS[call.params["sort"]]
    result = search.search_datasets(call.params.get("q", "").strip(), actor=call.actor, filters=filters,
                                    order=order, offset=offset, limit=limit,
                                    include_drafts=call.params["include_drafts"])
    facets = {name: [{"value": value, "label": label, "count": count} for value, label, count in
                     result.facets.get(name, [])] for name in search.FACETS}
    return paging.page(call, result.total, datasets_data(result.datasets), facets=facets)


@API.operation("POST", "/datasets", summary=gettext_lazy("Create a dataset"), tag=TAG, auth=AUTHENTICATED,
               body={JSON: DATASET_CREATE}, errors=(403, 409),
               responses={201: Response(gettext_lazy("The new dataset."), DATASET)},
               description=gettext_lazy(
                   "Create a dataset in an organisation where the caller is an editor or administrator.\n\n"
                   "It starts as a draft unless `state` is `active`."))
def create_dataset(call):
    body = call.body
    organisation = _organisation(body["organisation"])
    data = dataset_input({k: v for k, v in body.items() if k not in ("organisation", "state")})
    try:
        dataset = services.create_dataset(actor=call.actor, organisation=organisation, data=data,
                                          state=body.get("state", State.DRAFT))
    except ValidationFailed as exc:
        raise renamed(exc, FIELD_NAMES) from None
    return Reply(201, datasets_data([dataset])[0], {"Location": f"/api/v1/datasets/{dataset.name}"})


@API.operation("GET", "/datasets/{name_or_id}", summary=gettext_lazy("Read a dataset"), tag=TAG,
               params=(NAME_OR_ID,), errors=(404,),
               responses={200: Response(gettext_lazy("The dataset with its resources."), DATASET)},
               description=gettext_lazy(
                   "One dataset. Private datasets and drafts exist only for those who may see them."))
def get_dataset(call):
    return datasets_data([services.get_dataset(call.params["name_or_id"], actor=call.actor)])[0]


def _change(call, *, replace: bool):
    dataset = services.get_dataset(call.params["name_or_id"], actor=call.actor)
    body = call.body
    organisation = _organisation(body["organisation"]) if "organisation" in body else None
    data = dataset_input({k: v for k, v in body.items() if k != "organisation"})
    if replace:
        data = {**DEFAULTS, **data}
    try:
        dataset = services.update_dataset(dataset, actor=call.actor, data=data, organisation=organisation,
                                          state=body.get("state"))
    except ValidationFailed as exc:
        raise renamed(exc, FIELD_NAMES) from None
    return datasets_data([dataset])[0]


CHANGE_ERRORS = (403, 404)


@API.operation("PUT", "/datasets/{name_or_id}", summary=gettext_lazy("Replace a dataset's metadata"), tag=TAG,
               params=(NAME_OR_ID,), auth=AUTHENTICATED, body={JSON: DATASET_CHANGE}, errors=CHANGE_ERRORS,
               responses={200: Response(gettext_lazy("The changed dataset."), DATASET)},
               description=gettext_lazy(
                   "Set every field: those left out are emptied (the name, organisation and resources "
                   "are kept)."))
def replace_dataset(call):
    return _change(call, replace=True)


@API.operation("PATCH", "/datasets/{name_or_id}", summary=gettext_lazy("Change some of a dataset's metadata"),
               tag=TAG, params=(NAME_OR_ID,), auth=AUTHENTICATED, body={JSON: DATASET_CHANGE},
               errors=CHANGE_ERRORS, responses={200: Response(gettext_lazy("The changed dataset."), DATASET)},
               description=gettext_lazy(
                   "Set the given fields only."))
def update_dataset(call):
    return _change(call, replace=False)


@API.operation("DELETE", "/datasets/{name_or_id}", summary=gettext_lazy("Delete a dataset"), tag=TAG,
               params=(NAME_OR_ID,), auth=AUTHENTICATED, errors=CHANGE_ERRORS,
               responses={204: Response(gettext_lazy("Deleted."))},
               description=gettext_lazy(
                   "The dataset leaves every list and search; its history stays."))
def delete_dataset(call):
    services.delete_dataset(services.get_dataset(call.params["name_or_id"], actor=call.actor), actor=call.actor)
    return Reply(204)


@API.operation("POST", "/datasets/{id}/publish", summary=gettext_lazy("Publish a draft"), tag=TAG,
               params=(DATASET_ID,), auth=AUTHENTICATED, errors=CHANGE_ERRORS,
               responses={200: Response(gettext_lazy("The published dataset."), DATASET)},
               description=gettext_lazy(
                   "Make a draft public (or visible to the organisation's members, if private). "
                   "Publishing a published dataset changes nothing."))
def publish_dataset(call):
    dataset = services.get_dataset(call.params["id"], actor=call.actor)
    try:
        dataset = services.publish_dataset(dataset, actor=call.actor)
    except ValidationFailed as exc:
        raise renamed(exc, FIELD_NAMES) from None
    return datasets_data([dataset])[0]


@API.operation("GET", "/datasets/{id}/activity", summary=gettext_lazy("A dataset's history"), tag=TAG,
               params=(DATASET_ID, *paging.params()), errors=(404,),
               responses={200: Response(gettext_lazy("Changes, newest first."),
                                        page_schema("ActivityPage", ACTIVITY))},
               description=gettext_lazy(
                   "What changed in the dataset and its resources, by whom and when, newest first."))
def list_activity(call):
    dataset = services.get_dataset(call.params["id"], actor=call.actor)
    activities = Activity.objects.history_of(dataset).select_related("actor").order_by("-created", "-id")
    total, items = paging.sliced(call, activities)
    return paging.page(call, total, [activity_data(a) for a in items])
