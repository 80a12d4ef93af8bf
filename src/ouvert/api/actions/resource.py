"""Resource actions: show, create (file upload or link), update, patch and delete."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from ouvert.catalog import services
from ouvert.catalog.serializers import resource_dict

from .. import convert, params
from ..registry import WRITE, Call, action


def _upload(call: Call) -> UploadedFile | None:
    upload = call.files.get("upload")
    if upload is None and isinstance(call.params.get("upload"), str) and call.params["upload"]:
        raise params.invalid("upload", _("Send the file as multipart/form-data."))
    return upload


@action("resource_show", auth="dataset.view")
def resource_show(call: Call) -> dict:
    """One resource as a resource dict.

    Parameters: ``id``. Resources of datasets the caller may not see do not exist for them.
    """
    resource = services.get_resource(params.identifier(call.params), actor=call.actor)
    return resource_dict(resource, call.language)


@action("resource_create", methods=WRITE, auth="dataset.update")
def resource_create(call: Call) -> dict:
    """Add a resource to a dataset: a file sent as ``upload`` (multipart/form-data) or a ``url``.

    Parameters: ``package_id`` (dataset id or name), ``upload`` or ``url``, ``name`` or
    ``name_translated``, ``description`` or ``description_translated``, ``format``,
    ``position``; other keys are kept as the resource's extras.
    """
    dataset = services.get_dataset(params.identifier(call.params, "package_id"), actor=call.actor)
    data = convert.resource_input(call.params, call.language)
    resource = services.add_resource(dataset, actor=call.actor, data=data, upload=_upload(call))
    return resource_dict(resource, call.language)


def _change(call: Call, *, replace: bool) -> dict:
    resource = services.get_resource(params.identifier(call.params), actor=call.actor)
    data = convert.resource_input(call.params, call.language, replace=replace)
    upload = _upload(call)
    if upload is None and resource.kind == resource.Kind.UPLOAD and (
            call.params.get("url_type") == "upload" or data.get("url") in ("", resource_dict(resource, call.language)["url"])):
        data.pop("url", None)  # keeping the uploaded file: its download address is not a new link
    resource = services.update_resource(resource, actor=call.actor, data=data, upload=upload)
    return resource_dict(resource, call.language)


@action("resource_update", methods=WRITE, auth="dataset.update")
def resource_update(call: Call) -> dict:
    """Replace a resource's metadata (fields left out are emptied); ``upload`` replaces its file,
    a new ``url`` turns it into a link.

    Parameters: ``id`` and the fields of ``resource_create``.
    """
    return _change(call, replace=True)


@action("resource_patch", methods=WRITE, auth="dataset.update")
def resource_patch(call: Call) -> dict:
    """Change only the given fields of a resource (``upload`` replaces its file).

    Parameters: ``id`` and any fields of ``resource_create``.
    """
    return _change(call, replace=False)


@action("resource_delete", methods=WRITE, auth="dataset.update")
def resource_delete(call: Call) -> None:
    """Delete a resource and its file.

    Parameters: ``id``.
    """
    resource = services.get_resource(params.identifier(call.params), actor=call.actor)
    services.delete_resource(resource, actor=call.actor)
    return None
