from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("participation-rules/", views.rules_page, name="rules"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/cases/<int:case_id>/decide/", views.decide, name="decide"),
    path("moderation/bulk/", views.decide_bulk, name="decide_bulk"),
    path("moderation/log/", views.log, name="log"),
]
