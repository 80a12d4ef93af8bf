"""The notice board's periodic task (registered with ``periodic`` in ``NoticeboardConfig.ready``)."""

from __future__ import annotations

from django.utils import timezone

from ouvert.core.tasks import task


@task(name="noticeboard.archive_expired")
def archive_expired(context) -> dict:
    """Archive the bulletins whose time is up."""
    from .models import Bulletin

    archived = Bulletin.objects.filter(archived=False, expires__lte=timezone.now()).update(archived=True)
    return {"archived": archived}
