from django.urls import include, path

from . import views

app_name = "api"

urlpatterns = [
    path("api/3/action/<str:name>", views.action_view, name="action"),
    path("api/action/<str:name>", views.action_view, name="action_unversioned"),
    path("", include("ouvert.api.v1.urls")),
]
