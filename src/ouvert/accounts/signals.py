"""Signals sent by accounts; receivers connect to them in their own app's ``apps.py``."""

from django.dispatch import Signal

#: A person signed up. Arguments: ``user`` (not yet verified).
user_registered = Signal()

#: A user proved they receive mail at their address. Arguments: ``user``.
email_verified = Signal()
