"""The CKAN-compatible Action API (``/api/3/action/<name>``), an adapter over the services."""
