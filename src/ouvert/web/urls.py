from django.urls import path

from ouvert.catalog import views as catalog

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/", catalog.dataset_search, name="search"),
    path("datasets/<slug:name>.json", catalog.dataset_json, name="dataset_json"),
    path("datasets/<slug:name>/", catalog.dataset_detail, name="dataset"),
    path("datasets/<slug:name>/metadata/<slug:format_name>", catalog.dataset_metadata, name="dataset_metadata"),
    path("datasets/<slug:name>/edit/", catalog.dataset_edit, name="dataset_edit"),
    path("datasets/<slug:name>/publish/", catalog.dataset_publish, name="dataset_publish"),
    path("datasets/<slug:name>/delete/", catalog.dataset_delete, name="dataset_delete"),
    path("datasets/<slug:name>/resources/new/", catalog.resource_new, name="resource_new"),
    path("datasets/<slug:name>/resources/order/", catalog.resources_reorder, name="resources_reorder"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/", catalog.resource_detail, name="resource"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/edit/", catalog.resource_edit, name="resource_edit"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/delete/", catalog.resource_delete, name="resource_delete"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/download/<str:filename>", catalog.resource_download,
         name="resource_download"),
    path("organisations/", catalog.organisation_list, name="organisations"),
    path("organisations/<slug:name>/", catalog.organisation_detail, name="organisation"),
    path("themes/", catalog.theme_list, name="themes"),
    path("themes/<slug:name>/", catalog.theme_detail, name="theme"),
    # Publishing starts from the dashboard; "new" stays free as a dataset name.
    path("dashboard/", catalog.dashboard, name="dashboard"),
    path("dashboard/new-dataset/", catalog.dataset_new, name="dataset_new"),
]
