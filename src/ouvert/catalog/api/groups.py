"""Organisations, themes and licences: what datasets belong to and are published under."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.api.v1 import paging
from ouvert.api.v1.http import Reply
from ouvert.api.v1.registry import API, AUTHENTICATED, JSON, MULTIPART, Response, path_param
from ouvert.api.v1.serializers import page_schema
from ouvert.api.v1.validation import renamed
from ouvert.catalog import services
from ouvert.catalog.models import Licence, Theme
from ouvert.core.errors import ValidationFailed
from ouvert.core.models import State
from ouvert.core.validation import max_length

from .datasets import TEXT_INPUT
from .serializers import LICENCE, ORGANISATION, THEME, licence_data, organisation_data, theme_data

TAG = API.tag("organisations", gettext_lazy("Organisations, themes and licences."))
NAME = path_param("name", gettext_lazy("The name or id."))
NAME_INPUT = {"type": "string", "minLength": 1, "maxLength": max_length(Organisation, "name")}


@API.operation("GET", "/organisations", summary=gettext_lazy("List organisations"), tag=TAG,
               params=paging.params(100),
               responses={200: Response(gettext_lazy("Organisations by name."),
                                        page_schema("OrganisationPage", ORGANISATION))},
               description=gettext_lazy(
                   "The organisations, by name, with the number of published datasets the caller may "
                   "see."))
def list_organisations(call):
    total, items = paging.sliced(call, Organisation.objects.exclude(state=State.DELETED).order_by("name"))
    counts = services.published_dataset_counts(actor=call.actor, by="organisation")
    return paging.page(call, total, [organisation_data(o, counts.get(o.pk, 0)) for o in items])


@API.operation("GET", "/organisations/{name}", summary=gettext_lazy("Read an organisation"), tag=TAG,
               params=(NAME,), errors=(404,),
               responses={200: Response(gettext_lazy("The organisation."), ORGANISATION)},
               description=gettext_lazy(
                   "One organisation (search its datasets with `/datasets?organisation=name`)."))
def get_organisation(call):
    organisation = accounts.get_organisation(call.params["name"])
    count = services.published_datasets(actor=call.actor, organisation=organisation).count()
    return organisation_data(organisation, count)


ORGANISATION_TITLE_INPUT = API.schema("OrganisationTitleInput", {
    "type": "object", "description": "Text in French, English or both.",
    "properties": {lang: {"type": "string", "maxLength": max_length(Organisation, f"title_{lang}")}
                   for lang in ("fr", "en")},
    "additionalProperties": False,
})
_ORGANISATION_FIELDS = {
    "title": ORGANISATION_TITLE_INPUT, "description": TEXT_INPUT,
    "website": {"type": "string", "maxLength": max_length(Organisation, "website")},
    "email": {"type": "string", "maxLength": max_length(Organisation, "email")},
    "image_url": {"type": "string", "maxLength": max_length(Organisation, "image_url"),
                  "description": "A logo given by its address."},
}
ORGANISATION_INPUT = API.schema("OrganisationInput", {
    "type": "object", "description": "A new organisation.",
    "properties": {"name": {**NAME_INPUT, "description": "Lower-case letters, digits, - and _."},
                   **_ORGANISATION_FIELDS},
    "required": ["name", "title"], "additionalProperties": False,
})
ORGANISATION_CHANGE = API.schema("OrganisationChange", {
    "type": "object", "description": "The fields to set; the others are kept.",
    "properties": {"name": NAME_INPUT, **_ORGANISATION_FIELDS}, "additionalProperties": False,
})
LOGO_UPLOAD = API.schema("LogoUpload", {
    "type": "object", "description": "A PNG, JPEG or WebP image of at most 1 MiB and 4096 pixels a side.",
    "properties": {"logo": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}},
    "required": ["logo"], "additionalProperties": False,
})
_NAMES = {"title_fr": "title.fr", "title_en": "title.en", "description_fr": "description.fr",
          "description_en": "description.en"}


def _organisation_input(body: dict) -> dict:
    out = {key: body[key] for key in ("name", "website", "email", "image_url") if key in body}
    for field in ("title", "description"):
        for lang, text in body.get(field, {}).items():
            out[f"{field}_{lang}"] = text
    return out


def _written(call, organisation, status: int = 200):
    count = services.published_datasets(actor=call.actor, organisation=organisation).count()
    headers = {"Location": f"/api/v1/organisations/{organisation.name}"} if status == 201 else {}
    return Reply(status, organisation_data(organisation, count), headers)


@API.operation("POST", "/organisations", summary=gettext_lazy("Create an organisation"), tag=TAG,
               auth=AUTHENTICATED, body={JSON: ORGANISATION_INPUT}, errors=(403,),
               responses={201: Response(gettext_lazy("The new organisation."), ORGANISATION)},
               description=gettext_lazy(
                   "Create an organisation (sysadmins only); upload its logo with "
                   "`PUT /organisations/{name}/logo`."))
def create_organisation(call):
    try:
        organisation = accounts.create_organisation(actor=call.actor, data=_organisation_input(call.body))
    except ValidationFailed as exc:
        raise renamed(exc, _NAMES) from None
    return _written(call, organisation, 201)


@API.operation("PATCH", "/organisations/{name}", summary=gettext_lazy("Change an organisation"), tag=TAG,
               params=(NAME,), auth=AUTHENTICATED, body={JSON: ORGANISATION_CHANGE}, errors=(403, 404),
               responses={200: Response(gettext_lazy("The organisation."), ORGANISATION)},
               description=gettext_lazy(
                   "Set the fields given, keeping the others (the organisation's administrators and "
                   "sysadmins)."))
def update_organisation(call):
    organisation = accounts.get_organisation(call.params["name"])
    try:
        organisation = accounts.update_organisation(organisation, actor=call.actor,
                                                    data=_organisation_input(call.body))
    except ValidationFailed as exc:
        raise renamed(exc, _NAMES) from None
    return _written(call, organisation)


@API.operation("PUT", "/organisations/{name}/logo", summary=gettext_lazy("Upload an organisation's logo"),
               tag=TAG, params=(NAME,), auth=AUTHENTICATED, body={MULTIPART: LOGO_UPLOAD}, errors=(403, 404),
               responses={200: Response(gettext_lazy("The organisation, with its new `logo_url`."), ORGANISATION)},
               description=gettext_lazy(
                   "Replace the logo with an image (multipart/form-data, the image in `logo`): PNG, "
                   "JPEG or WebP (SVG is refused), checked by its content. The logo is served at "
                   "`logo_url`."))
def upload_organisation_logo(call):
    organisation = accounts.get_organisation(call.params["name"])
    organisation = accounts.update_organisation(organisation, actor=call.actor, data={}, logo=call.files["logo"])
    return _written(call, organisation)


@API.operation("DELETE", "/organisations/{name}/logo", summary=gettext_lazy("Remove an organisation's logo"),
               tag=TAG, params=(NAME,), auth=AUTHENTICATED, errors=(403, 404),
               responses={200: Response(gettext_lazy("The organisation."), ORGANISATION)},
               description=gettext_lazy(
                   "Remove the uploaded logo (a logo given by `image_url` stays)."))
def remove_organisation_logo(call):
    organisation = accounts.get_organisation(call.params["name"])
    organisation = accounts.update_organisation(organisation, actor=call.actor, data={}, remove_logo=True)
    return _written(call, organisation)


@API.operation("GET", "/themes", summary=gettext_lazy("List themes"), tag=TAG, params=paging.params(100),
               responses={200: Response(gettext_lazy("Themes by name."), page_schema("ThemePage", THEME))},
               description=gettext_lazy(
                   "The themes, by name, with the number of published datasets the caller may see."))
def list_themes(call):
    total, items = paging.sliced(call, Theme.objects.order_by("name"))
    counts = services.published_dataset_counts(actor=call.actor, by="theme")
    return paging.page(call, total, [theme_data(t, counts.get(t.pk, 0)) for t in items])


@API.operation("GET", "/themes/{name}", summary=gettext_lazy("Read a theme"), tag=TAG, params=(NAME,),
               errors=(404,), responses={200: Response(gettext_lazy("The theme."), THEME)},
               description=gettext_lazy(
                   "One theme (search its datasets with `/datasets?theme=name`)."))
def get_theme(call):
    theme = services.get_theme(call.params["name"])
    count = services.published_datasets(actor=call.actor, theme=theme).count()
    return theme_data(theme, count)


LICENCE_LIST = API.schema("LicenceList", {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": LICENCE}},
    "required": ["count", "results"], "additionalProperties": False,
})


@API.operation("GET", "/licences", summary=gettext_lazy("List licences"), tag=TAG,
               responses={200: Response(gettext_lazy("The licences a dataset can have."), LICENCE_LIST)},
               description=gettext_lazy(
                   "The licences a dataset can have; a dataset's `licence` takes their `id`."))
def list_licences(call):
    results = [licence_data(licence) for licence in Licence.objects.all()]
    return {"count": len(results), "results": results}
