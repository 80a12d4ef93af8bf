"""Signals participation sends; receivers (notifications, search) connect in their own ``apps.py``.

Every signal is sent once the operation's transaction has committed.
"""

from django.dispatch import Signal

#: A challenge became public. Arguments: ``challenge``, ``actor``.
challenge_published = Signal()
#: A challenge's results statement was published. Arguments: ``challenge``, ``actor``.
results_published = Signal()
#: An idea was submitted (visible or held for review). Arguments: ``idea``, ``actor``, ``held``.
idea_submitted = Signal()
#: An idea became visible to the public. Arguments: ``idea``.
idea_published = Signal()
#: An idea's status changed. Arguments: ``idea``, ``actor``, ``old``, ``new``.
idea_status_changed = Signal()
#: An idea's official answer was published. Arguments: ``idea``, ``actor``.
idea_answered = Signal()
#: An idea reached its challenge's vote threshold. Arguments: ``idea``.
idea_threshold_reached = Signal()
#: A vote was cast or withdrawn. Arguments: ``idea``, ``voter``, ``cast`` (bool).
vote_changed = Signal()
#: A comment was posted (visible or held). Arguments: ``comment``, ``actor``, ``held``.
comment_posted = Signal()
#: A reuse was submitted for the showcase. Arguments: ``reuse``, ``actor``.
reuse_submitted = Signal()
#: A consultation response was recorded. Arguments: ``response``.
consultation_answered = Signal()
