"""Databases that several threads or processes of a test share."""

from __future__ import annotations


def database_wrapper(settings_dict: dict):
    """A connection wrapper for ``settings_dict`` (as ``settings._database`` makes them), to
    point the ``default`` alias at a database that other threads or processes share."""
    from django.db import connections
    from django.db.utils import load_backend

    configured = connections.configure_settings({"default": settings_dict})["default"]
    return load_backend(configured["ENGINE"]).DatabaseWrapper(configured, "default")
