"""Signals sent by accounts; receivers connect to them in their own app's ``apps.py``."""

from django.dispatch import Signal

#: A person signed up. Arguments: ``user`` (not yet verified).
user_registered = Signal()

#: A user proved they receive mail at their address. Arguments: ``user``.
email_verified = Signal()

#: An organisation's fields changed, sent inside the change's transaction (so that what follows
#: from it, such as a search index, commits or rolls back with it). Arguments:
#: ``organisation``, ``changes`` ({field: (before, after)}).
organisation_changed = Signal()
