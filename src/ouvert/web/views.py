"""Public catalog pages. Thin: each view asks the services for data and renders it."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render

from ouvert.accounts.permissions import visible_datasets
from ouvert.catalog import services
from ouvert.catalog.models import Resource
from ouvert.core.errors import NotFound


def home(request):
    latest = visible_datasets(request.user).select_related("organisation").order_by("-modified")[:6]
    return render(request, "web/home.html", {"latest": latest})


def dataset_search(request):
    return render(request, "web/search.html", {})


def dataset_detail(request, name):
    try:
        dataset = services.get_dataset(name, actor=request.user)
    except NotFound:
        raise Http404 from None
    return render(request, "web/dataset.html", {"dataset": dataset})


def resource_detail(request, name, resource_id):
    try:
        resource = services.get_resource(resource_id, actor=request.user)
    except NotFound:
        raise Http404 from None
    if resource.dataset.name != name:
        raise Http404
    return render(request, "web/resource.html", {"resource": resource, "dataset": resource.dataset})


def resource_download(request, name, resource_id, filename):
    try:
        resource = services.get_resource(resource_id, actor=request.user)
    except NotFound:
        raise Http404 from None
    if resource.dataset.name != name:
        raise Http404
    if resource.kind == Resource.Kind.URL:
        return HttpResponseRedirect(resource.url)
    response = FileResponse(resource.file.open("rb"), as_attachment=True, filename=resource.filename,
                            content_type=resource.media_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not resource.dataset.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


def organisation_detail(request, name):
    try:
        organisation = services.get_organisation(name)
    except NotFound:
        raise Http404 from None
    return render(request, "web/organisation.html", {"organisation": organisation})


def theme_detail(request, name):
    try:
        theme = services.get_theme(name)
    except NotFound:
        raise Http404 from None
    return render(request, "web/theme.html", {"theme": theme})
