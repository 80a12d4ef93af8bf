"""Organisations, themes and licences: what datasets belong to and are published under."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.api.v1 import paging
from ouvert.api.v1.registry import API, Response, path_param
from ouvert.api.v1.serializers import page_schema
from ouvert.catalog import services
from ouvert.catalog.models import Licence, State, Theme

from .serializers import LICENCE, ORGANISATION, THEME, licence_data, organisation_data, theme_data

TAG = API.tag("organisations", gettext_lazy("Organisations, themes and licences."))
NAME = path_param("name", gettext_lazy("The name or id."))


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
