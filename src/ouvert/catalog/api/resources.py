"""Resources: a dataset's files and links."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy

from ouvert.api.v1.http import Reply
from ouvert.api.v1.registry import API, AUTHENTICATED, JSON, MULTIPART, Response, path_param
from ouvert.api.v1.validation import renamed
from ouvert.catalog import services
from ouvert.catalog.models import Resource
from ouvert.core.errors import ValidationFailed

from .datasets import DATASET_ID, EXTRAS_INPUT, FIELD_NAMES, TEXT_INPUT, TITLE_INPUT
from .serializers import RESOURCE, resource_data

TAG = API.tag("resources", gettext_lazy("The files and links of datasets."))
RESOURCE_ID = path_param("id", gettext_lazy("The resource's id."))

_FIELDS = {
    "url": {"type": "string", "maxLength": 2000, "description": "A link (http, https or ftp)."},
    "title": TITLE_INPUT, "description": TEXT_INPUT, "format": {"type": "string", "maxLength": 50},
    "position": {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "extras": EXTRAS_INPUT,
}
RESOURCE_LINK = API.schema("ResourceLink", {
    "type": "object", "description": "A link to data held elsewhere.",
    "properties": _FIELDS, "required": ["url"], "additionalProperties": False,
})
RESOURCE_CHANGE = API.schema("ResourceChange", {
    "type": "object", "description": "The fields to set; a url turns a file into a link.",
    "properties": _FIELDS, "additionalProperties": False,
})
_FORM_FIELDS = {
    "file": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"},
    "title_fr": {"type": "string", "maxLength": 300}, "title_en": {"type": "string", "maxLength": 300},
    "description_fr": {"type": "string", "maxLength": 50_000},
    "description_en": {"type": "string", "maxLength": 50_000},
    "format": {"type": "string", "maxLength": 50},
}
RESOURCE_UPLOAD = API.schema("ResourceUpload", {
    "type": "object", "description": "A file, with its metadata as form fields.",
    "properties": _FORM_FIELDS, "required": ["file"], "additionalProperties": False,
})
RESOURCE_UPLOAD_CHANGE = API.schema("ResourceUploadChange", {
    "type": "object", "description": "A new file for the resource and the form fields to set.",
    "properties": _FORM_FIELDS, "additionalProperties": False,
})
RESOURCE_LIST = API.schema("ResourceList", {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": RESOURCE}},
    "required": ["count", "results"], "additionalProperties": False,
})


def resource_input(call) -> tuple[dict, object]:
    """The services' resource fields and the uploaded file (or None) from a checked body."""
    body = call.body
    if call.content_type == MULTIPART:
        return dict(body), call.files.get("file")
    out = {key: body[key] for key in ("url", "format", "position") if key in body}
    if "extras" in body:  # stored as text; numbers and booleans as JSON writes them
        out["extras"] = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body["extras"].items()}
    for field in ("title", "description"):
        for lang, text in body.get(field, {}).items():
            out[f"{field}_{lang}"] = text
    return out, None


def _names(call) -> dict:
    return {} if call.content_type == MULTIPART else FIELD_NAMES


@API.operation("GET", "/datasets/{id}/resources", summary=gettext_lazy("A dataset's resources"), tag=TAG,
               params=(DATASET_ID,), errors=(404,),
               responses={200: Response(gettext_lazy("The resources, in order."), RESOURCE_LIST)},
               description=gettext_lazy(
                   "The files and links of a dataset the caller may see, in their order."))
def list_resources(call):
    dataset = services.get_dataset(call.params["id"], actor=call.actor)
    resources = [resource_data(r, dataset) for r in Resource.objects.filter(dataset=dataset).order_by("position", "created")]
    return {"count": len(resources), "results": resources}


@API.operation("POST", "/datasets/{id}/resources", summary=gettext_lazy("Add a file or a link"), tag=TAG,
               params=(DATASET_ID,), auth=AUTHENTICATED, body={JSON: RESOURCE_LINK, MULTIPART: RESOURCE_UPLOAD},
               errors=(403, 404), responses={201: Response(gettext_lazy("The new resource."), RESOURCE)},
               description=gettext_lazy(
                   "Add a link (a JSON body) or upload a file (multipart/form-data, the file in `file`) "
                   "at the end of the dataset's resources."))
def create_resource(call):
    dataset = services.get_dataset(call.params["id"], actor=call.actor)
    data, upload = resource_input(call)
    try:
        resource = services.add_resource(dataset, actor=call.actor, data=data, upload=upload)
    except ValidationFailed as exc:
        raise renamed(exc, _names(call)) from None
    return Reply(201, resource_data(resource, dataset), {"Location": f"/api/v1/resources/{resource.pk}"})


@API.operation("GET", "/resources/{id}", summary=gettext_lazy("Read a resource"), tag=TAG,
               params=(RESOURCE_ID,), errors=(404,), responses={200: Response(gettext_lazy("The resource."), RESOURCE)},
               description=gettext_lazy(
                   "One resource; those of datasets the caller may not see do not exist for them."))
def get_resource(call):
    return resource_data(services.get_resource(call.params["id"], actor=call.actor))


@API.operation("PATCH", "/resources/{id}", summary=gettext_lazy("Change a resource"), tag=TAG,
               params=(RESOURCE_ID,), auth=AUTHENTICATED,
               body={JSON: RESOURCE_CHANGE, MULTIPART: RESOURCE_UPLOAD_CHANGE}, errors=(403, 404),
               responses={200: Response(gettext_lazy("The changed resource."), RESOURCE)},
               description=gettext_lazy(
                   "Set the given fields; a `url` turns a file into a link, a `file` (multipart) "
                   "replaces the file or turns a link into a file."))
def update_resource(call):
    resource = services.get_resource(call.params["id"], actor=call.actor)
    data, upload = resource_input(call)
    try:
        resource = services.update_resource(resource, actor=call.actor, data=data, upload=upload)
    except ValidationFailed as exc:
        raise renamed(exc, _names(call)) from None
    return resource_data(resource)


@API.operation("DELETE", "/resources/{id}", summary=gettext_lazy("Delete a resource"), tag=TAG,
               params=(RESOURCE_ID,), auth=AUTHENTICATED, errors=(403, 404),
               responses={204: Response(gettext_lazy("Deleted."))},
               description=gettext_lazy(
                   "Delete a resource and its file."))
def delete_resource(call):
    services.delete_resource(services.get_resource(call.params["id"], actor=call.actor), actor=call.actor)
    return Reply(204)
