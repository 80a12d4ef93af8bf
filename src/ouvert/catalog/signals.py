"""Signals the catalog sends; receivers connect in their own app's ``apps.py``."""

from django.dispatch import Signal

#: A dataset became visible to the public or changed state. Arguments: ``dataset``, ``actor``.
dataset_published = Signal()
#: A dataset's metadata changed. Arguments: ``dataset``, ``actor``, ``changes`` (field → [old, new]).
dataset_updated = Signal()
#: A dataset was deleted (soft). Arguments: ``dataset``, ``actor``.
dataset_deleted = Signal()
#: A resource was added, or its file or URL replaced. Arguments: ``resource``, ``actor``.
resource_changed = Signal()
#: A resource was removed. Arguments: ``dataset``, ``resource_id``, ``actor``.
resource_deleted = Signal()
