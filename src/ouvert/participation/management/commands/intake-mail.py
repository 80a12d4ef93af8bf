"""``ouvert intake-mail FILE...``: ideas and comments sent by e-mail, from .eml or mbox files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.participation.intake import receive_file


class Command(BaseCommand):
    help = (
        "Read e-mails (.eml files or mbox files) sent to defi+<challenge>@… or tagged [<challenge>] "
        "in the subject; each becomes an idea or comment in the moderation queue, or a refusal "
        "kept with the whole message."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help=gettext_lazy("An .eml file or an mbox file."))

    def handle(self, *args, files: list[str], **options):
        accepted = refused = 0
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(_("%(file)s: no such file.") % {"file": name})
            for record in receive_file(path):
                if record.status == record.Status.ACCEPTED:
                    accepted += 1
                    target = f"idea {record.idea_id}" if record.idea_id else f"comment {record.comment_id}"
                    self.stdout.write(_("accepted %(id)s → %(target)s (in the moderation queue)")
                                      % {"id": record.message_id, "target": target})
                else:
                    refused += 1
                    self.stdout.write(_("refused %(id)s: %(reason)s — %(detail)s")
                                      % {"id": record.message_id, "reason": record.reason, "detail": record.detail})
        self.stdout.write(_("%(accepted)d accepted, %(refused)d refused.") % {"accepted": accepted, "refused": refused})
