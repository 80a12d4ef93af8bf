from django.urls import include, path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    # The catalog's pages keep the site's names (``web:dataset``...): its URLconf has no namespace.
    path("", include("ouvert.catalog.urls")),
]
