"""URL patterns of the native API, one per declared path (see ``registry``)."""

from __future__ import annotations

from django.urls import path

from .http import not_found_view, path_view
from .registry import PREFIX, discover


def route(api_path: str) -> str:
    """The Django route of a declared path: ``/datasets/{id}`` -> ``api/v1/datasets/<str:id>``."""
    return (PREFIX + api_path).lstrip("/").replace("{", "<str:").replace("}", ">")


urlpatterns = [
    path(route(api_path), path_view(operations), name=f"v1_{operations[0].operation_id}")
    for api_path, operations in discover().paths().items()
] + [
    path(PREFIX.lstrip("/") + "/<path:rest>", not_found_view, name="v1_not_found"),
    path(PREFIX.lstrip("/"), not_found_view, name="v1_root"),
]
