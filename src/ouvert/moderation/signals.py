"""Signals moderation sends, once the operation's transaction has committed; receivers connect
in their own ``apps.py``."""

from django.dispatch import Signal

#: Content was held for review or hidden by flags. Arguments: ``case``.
case_opened = Signal()
#: A moderation decision was taken. Arguments: ``decision``, ``content``.
decided = Signal()
