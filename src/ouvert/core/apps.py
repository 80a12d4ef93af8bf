from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ouvert.core"
    label = "core"
