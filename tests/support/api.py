"""A client for tests of the native API: JSON in, status and decoded JSON out."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart


@dataclass
class Answer:
    status: int
    body: object
    headers: object

    @property
    def error(self) -> dict:
        assert isinstance(self.body, dict) and "error" in self.body, self.body
        return self.body["error"]


class V1Client:
    """Calls ``/api/v1`` paths; ``token`` authenticates, ``json`` is sent as the body."""

    def __init__(self, client: Client | None = None, token: str | None = None):
        self.client = client or Client()
        self.token = token

    def __call__(self, method: str, path: str, json_body=None, *, token=None, data=None, content_type=None,
                 **extra) -> Answer:
        token = token or self.token
        if token:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
        url = "/api/v1" + path
        send = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = send(url, data or {}, **extra)
        elif isinstance(data, dict) and method.upper() != "POST":  # the test client encodes only POST forms
            response = send(url, encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT, **extra)
        elif data is not None:  # multipart, or raw bytes with a content type
            kwargs = {"content_type": content_type} if content_type else {}
            response = send(url, data, **kwargs, **extra)
        elif json_body is not None:
            response = send(url, json.dumps(json_body), content_type="application/json", **extra)
        else:
            response = send(url, **extra)
        body = None
        if response.content and response["Content-Type"].startswith("application/json"):
            body = json.loads(response.content)
        return Answer(response.status_code, body, response)

    def get(self, path, params=None, **kw):
        return self("GET", path, data=params, **kw)

    def post(self, path, body=None, **kw):
        return self("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self("DELETE", path, **kw)
