"""Upload handlers that compute the SHA-256 of a file while it streams in."""

from __future__ import annotations

import hashlib

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler


class _HashingMixin:
    def new_file(self, *args, **kwargs):
        self._sha256 = hashlib.sha256()
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if getattr(self, "_sha256", None) is not None:
            self._sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        result = super().file_complete(file_size)
        if result is not None:
            result.sha256 = self._sha256.hexdigest()
        return result


class HashingMemoryFileUploadHandler(_HashingMixin, MemoryFileUploadHandler):
    pass


class HashingTemporaryFileUploadHandler(_HashingMixin, TemporaryFileUploadHandler):
    pass
