"""Moderation of any registered content type: automatic checks, flags, cases (the queue),
decisions (the append-only audit log) and the notices sent to authors.

Domains register their moderated types in their ``AppConfig.ready()`` with :func:`register`
and may add checks (``ouvert.moderation.checks.register``). This app imports no domain.
"""

from .registry import ModeratedType, register, unregister

__all__ = ["ModeratedType", "register", "unregister"]
