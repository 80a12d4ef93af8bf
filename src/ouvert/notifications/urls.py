from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("follows/<slug:kind>/<str:key>/", views.follow_toggle, name="follow"),
]
