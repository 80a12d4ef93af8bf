from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/", views.dataset_search, name="search"),
    path("datasets/<slug:name>/", views.dataset_detail, name="dataset"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/", views.resource_detail, name="resource"),
    path("datasets/<slug:name>/resources/<uuid:resource_id>/download/<str:filename>", views.resource_download, name="resource_download"),
    path("organisations/<slug:name>/", views.organisation_detail, name="organisation"),
    path("themes/<slug:name>/", views.theme_detail, name="theme"),
]
