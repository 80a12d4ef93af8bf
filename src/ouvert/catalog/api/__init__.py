"""The catalog's native endpoints under ``/api/v1/`` (datasets, resources, organisations,
themes, licences), declared on the API toolkit's registry (``ouvert.api.v1.registry``), whose
``discover()`` imports this package."""

# Importing the modules declares their operations, in this order (the OpenAPI document's).
from . import datasets, resources, groups  # noqa: F401, I001
