"""The native REST API, ``/api/v1/``: JSON over the same services as the web pages, described by
an OpenAPI 3.1 document (``/api/v1/openapi.json``) and a documentation page (``/api/v1/docs``)."""
