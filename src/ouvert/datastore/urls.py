"""The datastore's pages and partials, under the language prefix, beside the resource page."""

from django.urls import path

from . import views

app_name = "datastore"

_RESOURCE = "datasets/<slug:name>/resources/<uuid:resource_id>/data/"

urlpatterns = [
    path(_RESOURCE + "preview/", views.preview, name="preview"),
    path(_RESOURCE + "status/", views.status, name="status"),
    path(_RESOURCE + "dictionary/", views.dictionary, name="dictionary"),
    path(_RESOURCE + "options/", views.options, name="options"),
]
