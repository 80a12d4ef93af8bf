"""The catalog's pages. The site includes them (``ouvert.web.urls``) under its namespace, so
their names are ``web:dataset``, ``web:search``..."""

from django.urls import path

from . import views

urlpatterns = [
    path("datasets/", views.dataset_search, name="search"),
    path("datasets/<slug:name>.json", views.dataset_json, name="dataset_json"),
    path("datasets/<slug:name>/", views.dataset_detail, name="dataset"),
    path("datasets/<slug:name>/metadata/<slug:format_name>", views.dataset_metadata, name="dataset_metadata"),
    path("datasets/<slug:name>/edit/", views.dataset_edit, name="dataset_edit"),
    path("datasets/<slug:name>/publish/", views.dataset_publish, name="dataset_publish"),
    path("datasets/<slug:name>/delete/", views.dataset_delete, name="dataset_delete"),
    path("datasets/<slug:name>/resources/new/", views.resource_new, name="resource_new"),
    path("datasets/<slug:name>/resources/order/", views.resources_reorder, name="resources_reorder"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/", views.resource_detail, name="resource"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/edit/", views.resource_edit, name="resource_edit"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/delete/", views.resource_delete, name="resource_delete"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/download/<str:filename>", views.resource_download,
         name="resource_download"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:name>/", views.organisation_detail, name="organisation"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<slug:name>/", views.theme_detail, name="theme"),
    # Publishing starts from the dashboard; "new" stays free as a dataset name.
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/new-dataset/", views.dataset_new, name="dataset_new"),
]
