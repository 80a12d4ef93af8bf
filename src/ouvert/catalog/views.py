"""Catalog pages: search, dataset, resource, organisation and theme pages, and the publishing screens.

Views are adapters: they read the request, call ``ouvert.catalog.services`` (or the search), and
translate domain errors: ``NotFound`` → 404, ``PermissionDenied`` → 403, ``ValidationFailed`` →
messages next to the fields.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ouvert.accounts import permissions
from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.accounts.permissions import can, editable_organisations
from ouvert.core import renderers
from ouvert.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ouvert.core.i18n import current_language
from ouvert.core.models import Activity
from ouvert.web.errors import domain_errors

from . import serializers, services
from .forms import DatasetForm, ResourceForm
from .models import Resource, State, Theme
from .permissions import visible_datasets
from .search import FACETS, SORTS, search_datasets

PAGE_SIZE = 20


# --- labels ------------------------------------------------------------------------------

FACET_LABELS = {
    "organisation": gettext_lazy("Organisation"), "theme": gettext_lazy("Theme"), "tag": gettext_lazy("Keyword"),
    "format": gettext_lazy("Format"), "licence": gettext_lazy("Licence"),
}
SORT_LABELS = {"relevance": gettext_lazy("Relevance"), "name": gettext_lazy("Name"), "modified": gettext_lazy("Last modified")}
ACTIVITY_LABELS = {
    "catalog.dataset.created": gettext_lazy("Created the dataset"),
    "catalog.dataset.updated": gettext_lazy("Updated the dataset"),
    "catalog.dataset.published": gettext_lazy("Published the dataset"),
    "catalog.dataset.deleted": gettext_lazy("Deleted the dataset"),
    "catalog.resource.created": gettext_lazy("Added a resource"),
    "catalog.resource.updated": gettext_lazy("Updated a resource"),
    "catalog.resource.deleted": gettext_lazy("Removed a resource"),
    "catalog.resource.reordered": gettext_lazy("Reordered the resources"),
}
FIELD_LABELS = {
    "name": gettext_lazy("short name"), "title_fr": gettext_lazy("title in French"),
    "title_en": gettext_lazy("title in English"), "description_fr": gettext_lazy("description in French"),
    "description_en": gettext_lazy("description in English"), "licence": gettext_lazy("licence"),
    "frequency": gettext_lazy("update frequency"), "temporal_start": gettext_lazy("coverage start"),
    "temporal_end": gettext_lazy("coverage end"), "spatial": gettext_lazy("spatial coverage"),
    "contact_name": gettext_lazy("contact name"), "contact_email": gettext_lazy("contact e-mail"),
    "source_url": gettext_lazy("source page"), "version": gettext_lazy("version"),
    "private": gettext_lazy("visibility"), "extras": gettext_lazy("additional information"),
    "state": gettext_lazy("status"), "tags": gettext_lazy("keywords"), "themes": gettext_lazy("themes"),
    "organisation": gettext_lazy("organisation"), "order": gettext_lazy("order"), "url": gettext_lazy("link"),
    "filename": gettext_lazy("file"), "format": gettext_lazy("format"), "size": gettext_lazy("size"),
    "sha256": gettext_lazy("checksum"), "position": gettext_lazy("position"),
}


def _history(dataset, resources) -> list[dict]:
    """Who changed what and when; resources still present are named in the reader's language."""
    current = {str(r.pk): str(r) for r in resources}
    rows = []
    for activity in Activity.objects.history_of(dataset).select_related("actor")[:100]:
        # ``source`` says which way of writing made the change (``sync_dataset``), not a field.
        fields = [str(FIELD_LABELS.get(key, key)) for key in activity.changes
                  if not key.startswith("member:") and key != "source"]
        is_resource = activity.object_type == "resource"
        rows.append({
            "what": ACTIVITY_LABELS.get(activity.key, activity.key),
            "object": current.get(activity.object_id, activity.object_name) if is_resource else "",
            "who": activity.actor.public_name if activity.actor else _("the system"),
            "when": activity.created,
            "fields": sorted(set(fields)),
        })
    return rows


# --- search ------------------------------------------------------------------------------

def _url_with(request, *, set_params: dict | None = None, add: tuple | None = None, remove: tuple | None = None) -> str:
    """The current search address with one change; a change of filter goes back to page 1."""
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in (set_params or {}).items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    if add:
        values = params.getlist(add[0])
        if add[1] not in values:
            params.setlist(add[0], values + [add[1]])
    if remove:
        params.setlist(remove[0], [v for v in params.getlist(remove[0]) if v != remove[1]])
    query = params.urlencode()
    return f"{request.path}?{query}" if query else request.path


def _search_context(request, *, fixed: dict | None = None) -> dict:
    """Run the search from GET parameters; ``fixed`` filters come from the page (an organisation)."""
    query = request.GET.get("q", "").strip()[:200]
    filters = {facet: [v for v in request.GET.getlist(facet) if v][:20] for facet in FACETS}
    for facet, value in (fixed or {}).items():
        filters[facet] = [value]
    sort = request.GET.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    result = search_datasets(query, actor=request.user, filters={k: v for k, v in filters.items() if v},
                             sort=sort, page=page, page_size=PAGE_SIZE)
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    facets, active = [], []
    for facet in FACETS:
        if facet in (fixed or {}):
            continue
        labels = {}
        values = []
        for value, label, count in result.facets.get(facet, []):
            value = str(value)
            labels[value] = label or value
            selected = value in filters[facet]
            values.append({
                "value": value, "label": label or value, "count": count, "selected": selected,
                "url": _url_with(request, remove=(facet, value)) if selected else _url_with(request, add=(facet, value)),
            })
        if values:
            facets.append({"name": facet, "label": FACET_LABELS[facet], "values": values})
        for value in filters[facet]:
            active.append({"facet": FACET_LABELS[facet], "label": labels.get(value, value),
                           "url": _url_with(request, remove=(facet, value))})
    window = range(max(1, page - 2), min(pages, page + 2) + 1)
    return {
        "query": query, "result": result, "datasets": result.datasets, "total": result.total,
        "facets": facets, "active_filters": active, "sort": sort,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
        "kept_filters": [(facet, value) for facet in FACETS if facet not in (fixed or {}) for value in filters[facet]],
        "page": page, "pages": pages,
        "page_links": [{"number": n, "url": _url_with(request, set_params={"page": n}), "current": n == page} for n in window],
        "previous_url": _url_with(request, set_params={"page": page - 1}) if page > 1 else None,
        "next_url": _url_with(request, set_params={"page": page + 1}) if page < pages else None,
        "clear_url": request.path,
    }


def dataset_search(request):
    return render(request, "catalog/search.html", _search_context(request))


# --- public pages ------------------------------------------------------------------------

@domain_errors
def dataset_detail(request, name):
    dataset = services.get_dataset(name, actor=request.user)
    if dataset.name != name:  # an id, or a different case: one address per dataset
        return redirect(dataset)
    tags = list(dataset.tags.all())
    language = current_language()
    resources = list(dataset.resources.all())
    return render(request, "catalog/dataset.html", {
        "dataset": dataset,
        "resources": resources,
        "tags": [t for t in tags if t.language in ("", language)] or tags,
        "themes": list(dataset.themes.all()),
        "history": _history(dataset, resources),
        "can_edit": can(request.user, "dataset.update", dataset),
        "can_publish": dataset.state == State.DRAFT and can(request.user, "dataset.publish", dataset),
        "can_delete": can(request.user, "dataset.delete", dataset),
        "metadata_renderers": renderers.available(),
    })


@domain_errors
def dataset_json(request, name):
    dataset = services.get_dataset(name, actor=request.user)
    response = JsonResponse(serializers.dataset_dict(dataset, current_language()),
                            json_dumps_params={"ensure_ascii": False})
    if not dataset.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


@domain_errors
def dataset_metadata(request, name, format_name):
    """The dataset's metadata by a registered renderer (``ouvert.core.renderers``)."""
    renderer = renderers.get(format_name)
    if renderer is None:
        raise Http404
    dataset = services.get_dataset(name, actor=request.user)
    content = renderer.render(dataset, actor=request.user, language=current_language())
    if isinstance(content, dict | list):
        response = JsonResponse(content, safe=False, json_dumps_params={"ensure_ascii": False})
    else:
        media_type = renderer.media_type
        if media_type.startswith("text/") or media_type.endswith(("json", "xml")):
            media_type += "; charset=utf-8"
        response = HttpResponse(content, content_type=media_type)
    if not dataset.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


def _resource_in(request, name, resource_id) -> Resource:
    resource = services.get_resource(resource_id, actor=request.user)
    if resource.dataset.name != name:
        raise NotFound(_("Resource not found."))
    return resource


@domain_errors
def resource_detail(request, name, resource_id):
    resource = _resource_in(request, name, resource_id)
    return render(request, "catalog/resource.html", {
        "resource": resource, "dataset": resource.dataset,
        "can_edit": can(request.user, "dataset.update", resource.dataset),
    })


@domain_errors
def resource_download(request, name, resource_id, filename):
    resource = _resource_in(request, name, resource_id)
    if resource.kind == Resource.Kind.URL:
        return HttpResponseRedirect(resource.url)
    response = FileResponse(resource.file.open("rb"), as_attachment=True, filename=resource.filename,
                            content_type=resource.media_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not resource.dataset.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


def organisation_list(request):
    # Counts never include what the reader can't see.
    counts = services.published_dataset_counts(actor=request.user, by="organisation")
    organisations = [(org, counts.get(org.pk, 0)) for org in Organisation.objects.exclude(state=State.DELETED)]
    return render(request, "catalog/organisations.html", {
        "organisations": organisations, "can_create_organisation": can(request.user, "organisation.create"),
    })


@domain_errors
def organisation_detail(request, name):
    organisation = accounts.get_organisation(name)
    context = _search_context(request, fixed={"organisation": organisation.name})
    context.update({
        "organisation": organisation,
        "can_create": can(request.user, "dataset.create", organisation),
        "can_update": can(request.user, "organisation.update", organisation),
        "can_view_members": can(request.user, "organisation.view_members", organisation),
    })
    return render(request, "catalog/organisation.html", context)


def theme_list(request):
    counts = services.published_dataset_counts(actor=request.user, by="theme")
    themes = [(theme, counts.get(theme.pk, 0)) for theme in Theme.objects.all()]
    return render(request, "catalog/themes.html", {"themes": themes})


@domain_errors
def theme_detail(request, name):
    theme = services.get_theme(name)
    context = _search_context(request, fixed={"theme": theme.name})
    context["theme"] = theme
    return render(request, "catalog/theme.html", context)


# --- publishing --------------------------------------------------------------------------

@login_required
def dashboard(request):
    memberships = list(request.user.memberships.select_related("organisation")
                       .exclude(organisation__state=State.DELETED))
    organisations = [m.organisation for m in memberships]
    if request.user.is_superuser:
        organisations = list(Organisation.objects.exclude(state=State.DELETED))
    roles = {m.organisation_id: m.get_role_display() for m in memberships}
    drafts = (visible_datasets(request.user).filter(state=State.DRAFT, organisation__in=organisations)
              .select_related("organisation").order_by("-modified"))
    return render(request, "catalog/dashboard.html", {
        "organisations": [{
            "organisation": org, "role": roles.get(org.pk, _("System administrator")),
            "can_create": can(request.user, "dataset.create", org),
            "can_view_members": can(request.user, "organisation.view_members", org),
        } for org in organisations],
        "drafts": drafts,
        "can_create_any": editable_organisations(request.user).exists(),
    })


def _render_dataset_form(request, form, dataset=None, status=200):
    return render(request, "catalog/dataset_form.html", {"form": form, "dataset": dataset},
                  status=400 if form.errors else status)


@login_required
@domain_errors
def dataset_new(request):
    organisations = editable_organisations(request.user).exclude(state=State.DELETED)
    if not organisations.exists():
        raise PermissionDenied(_("You are not an editor of any organisation."))
    if request.method != "POST":
        initial = {"organisation": request.GET.get("organisation") or (
            organisations.first().name if organisations.count() == 1 else None)}
        return _render_dataset_form(request, DatasetForm(organisations=organisations, initial=initial))
    form = DatasetForm(request.POST, organisations=organisations)
    if form.is_valid():
        organisation = form.cleaned_data.get("organisation")
        try:
            if organisation is None:
                raise ValidationFailed(fields={"organisation": [_("Choose the organisation that publishes the dataset.")]})
            dataset = services.create_dataset(actor=request.user, organisation=organisation, data=form.service_data())
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except Conflict as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("The draft dataset was created. Add its resources, then publish it."))
            return redirect(dataset)
    return _render_dataset_form(request, form)


def _editable_dataset(request, name):
    dataset = services.get_dataset(name, actor=request.user)
    permissions.require(request.user, "dataset.update", dataset)
    return dataset


@login_required
@domain_errors
def dataset_edit(request, name):
    dataset = _editable_dataset(request, name)
    organisations = editable_organisations(request.user).exclude(state=State.DELETED)
    if request.method != "POST":
        form = DatasetForm(organisations=organisations, initial=DatasetForm.initial_for(dataset))
        return _render_dataset_form(request, form, dataset)
    form = DatasetForm(request.POST, organisations=organisations)
    if form.is_valid():
        try:
            dataset = services.update_dataset(dataset, actor=request.user, data=form.service_data(),
                                              organisation=form.cleaned_data.get("organisation"),
                                              state=form.cleaned_data.get("state") or None)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(dataset)
    return _render_dataset_form(request, form, dataset)


@login_required
@require_POST
@domain_errors
def dataset_publish(request, name):
    dataset = services.get_dataset(name, actor=request.user)
    try:
        services.publish_dataset(dataset, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms) or str(exc))
    else:
        messages.success(request, _("The dataset is published."))
    return redirect(dataset)


@login_required
@domain_errors
def dataset_delete(request, name):
    dataset = _editable_dataset(request, name)
    if request.method == "POST":
        services.delete_dataset(dataset, actor=request.user)
        messages.success(request, _("The dataset “%(title)s” was deleted.") % {"title": dataset.title})
        return redirect("web:dashboard")
    return render(request, "catalog/confirm_delete.html", {
        "dataset": dataset, "object_title": dataset.title, "cancel_url": dataset.get_absolute_url(),
        "question": _("Delete this dataset?"),
        "explanation": _("It will disappear from the catalogue, with its resources. Its history is kept."),
    })


def _resource_form_page(request, dataset, form, resource=None):
    return render(request, "catalog/resource_form.html", {"dataset": dataset, "form": form, "resource": resource},
                  status=400 if form.errors else 200)


@login_required
@domain_errors
def resource_new(request, name):
    dataset = _editable_dataset(request, name)
    if request.method != "POST":
        return _resource_form_page(request, dataset, ResourceForm())
    form = ResourceForm(request.POST, request.FILES)
    if form.is_valid():
        data, upload = form.service_data(editing=False)
        try:
            services.add_resource(dataset, actor=request.user, data=data, upload=upload)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The resource was added."))
            return redirect(reverse("web:dataset_edit", args=[dataset.name]) + "#resources")
    return _resource_form_page(request, dataset, form)


@login_required
@domain_errors
def resource_edit(request, name, resource_id):
    dataset = _editable_dataset(request, name)
    resource = _resource_in(request, name, resource_id)
    if request.method != "POST":
        return _resource_form_page(request, dataset, ResourceForm(editing=resource, initial=ResourceForm.initial_for(resource)), resource)
    form = ResourceForm(request.POST, request.FILES, editing=resource)
    if form.is_valid():
        data, upload = form.service_data(editing=True)
        try:
            services.update_resource(resource, actor=request.user, data=data, upload=upload)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The resource was updated."))
            return redirect(reverse("web:dataset_edit", args=[dataset.name]) + "#resources")
    return _resource_form_page(request, dataset, form, resource)


@login_required
@domain_errors
def resource_delete(request, name, resource_id):
    dataset = _editable_dataset(request, name)
    resource = _resource_in(request, name, resource_id)
    if request.method == "POST":
        services.delete_resource(resource, actor=request.user)
        messages.success(request, _("The resource was removed."))
        return redirect(reverse("web:dataset_edit", args=[dataset.name]) + "#resources")
    return render(request, "catalog/confirm_delete.html", {
        "dataset": dataset, "resource": resource, "object_title": str(resource),
        "cancel_url": reverse("web:dataset_edit", args=[dataset.name]) + "#resources",
        "question": _("Remove this resource?"),
        "explanation": _("Its file or link leaves the dataset."),
    })


@login_required
@require_POST
@domain_errors
def resources_reorder(request, name):
    """Reorder resources: ``move=<id>:up|down`` (one button per row, no script needed) or a full ``order``."""
    dataset = _editable_dataset(request, name)
    order = [str(r.pk) for r in dataset.resources.all()]
    anchor = "resources"
    if "move" in request.POST:
        resource_id, _sep, direction = request.POST["move"].partition(":")
        if resource_id in order:
            index = order.index(resource_id)
            target = index - 1 if direction == "up" else index + 1
            if 0 <= target < len(order):
                order[index], order[target] = order[target], order[index]
            anchor = f"resource-{resource_id}"
    elif request.POST.getlist("order"):
        order = request.POST.getlist("order")
    try:
        services.reorder_resources(dataset, actor=request.user, order=order)
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms) or str(exc))
    else:
        messages.success(request, _("The order of the resources was saved."))
    return redirect(reverse("web:dataset_edit", args=[dataset.name]) + f"#{anchor}")
