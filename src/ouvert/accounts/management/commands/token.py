"""``ouvert token create|list|revoke``: API tokens from the command line.

``create`` prints the new token's value as the last line of its output, so scripts can take
it with ``| tail -n 1``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ouvert.accounts import services
from ouvert.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list and revoke a user's API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="Create a token; its value is the last line printed.")
        create.add_argument("username")
        create.add_argument("--name", default="command line", help="What the token is for.")
        create.add_argument("--expires-days", type=int, default=None, dest="expires_days",
                            help="Days until the token expires (default: never).")
        listing = sub.add_parser("list", help="List a user's tokens (never their values).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token given by its name or the start of its value.")
        revoke.add_argument("username")
        revoke.add_argument("name_or_hint")

    def handle(self, *args, subcommand, username, **options):
        try:
            user = services.get_user(username)
            # The operator at the console acts for the user.
            if subcommand == "create":
                return self._create(user, options["name"], options["expires_days"])
            if subcommand == "list":
                return self._list(user)
            return self._revoke(user, options["name_or_hint"])
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, user, name, expires_days):
        token, raw = services.create_token(user, actor=user, name=name, expires_in_days=expires_days)
        expiry = token.expires.isoformat(timespec="minutes") if token.expires else "never"
        self.stderr.write(f"Token “{token.name}” for {user.username} (expires: {expiry}). "
                          "Copy it now: it will not be shown again.")
        self.stdout.write(raw)

    def _list(self, user):
        rows = services.list_tokens(user, actor=user)
        if not rows:
            self.stdout.write(f"{user.username} has no tokens.")
            return
        for token in rows:
            status = "revoked" if token.revoked else ("active" if token.is_valid else "expired")
            self.stdout.write("\t".join([
                token.hint + "…", token.name, status,
                "created " + token.created.isoformat(timespec="minutes"),
                "last used " + (token.last_used.isoformat(timespec="minutes") if token.last_used else "never"),
                "expires " + (token.expires.isoformat(timespec="minutes") if token.expires else "never"),
            ]))

    def _revoke(self, user, name_or_hint):
        key = name_or_hint.rstrip("…").strip()
        active = [t for t in services.list_tokens(user, actor=user) if t.revoked is None]
        matches = [t for t in active if t.name == key] or [
            t for t in active if len(key) >= 4 and (t.hint.startswith(key) or key.startswith(t.hint))
        ]
        if not matches:
            raise CommandError(f"{user.username} has no active token named or starting with {key!r}.")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} tokens match {key!r}; give the start of the value instead.")
        services.revoke_token(matches[0], actor=user)
        self.stdout.write(f"Revoked “{matches[0].name}” ({matches[0].hint}…).")
