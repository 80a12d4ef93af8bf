"""Signals sent by the notifications app (once the transaction commits)."""

from django.dispatch import Signal

#: A person started following an object. Arguments: ``follow`` (the ``Follow``), ``actor``.
followed = Signal()

#: A person stopped following an object. Arguments: ``target`` (the object), ``actor``.
unfollowed = Signal()
