"""``ouvert member add|remove|list``: organisation memberships from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ouvert.accounts import services
from ouvert.accounts.management.acting import acting_user
from ouvert.accounts.models import Role
from ouvert.core.errors import DomainError


class Command(BaseCommand):
    help = "Add, remove and list the members of an organisation."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="acting", default=None,
                            help="User name the change is recorded under (default: the first sysadmin).")
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{add,remove,list}")
        add = sub.add_parser("add", help="Add a member, or change their role.")
        add.add_argument("organisation")
        add.add_argument("username", help="User name or e-mail address.")
        add.add_argument("role", choices=Role.values)
        remove = sub.add_parser("remove", help="Remove a member.")
        remove.add_argument("organisation")
        remove.add_argument("username", help="User name or e-mail address.")
        listing = sub.add_parser("list", help="List the members and their roles.")
        listing.add_argument("organisation")

    def handle(self, *args, subcommand, organisation, acting=None, **options):
        try:
            actor = acting_user(acting)
            org = services.get_organisation(organisation)
            if subcommand == "list":
                for m in services.list_members(org, actor=actor):
                    verified = "verified" if m.user.email_verified else "not verified"
                    self.stdout.write(f"{m.user.username}\t{m.role}\t{m.user.email} ({verified})")
                return
            user = services.find_user(options["username"])
            if subcommand == "add":
                services.set_membership(org, user, options["role"], actor=actor)
                self.stdout.write(f"{user.username} is {options['role']} of {org.name}.")
            else:
                services.remove_membership(org, user, actor=actor)
                self.stdout.write(f"{user.username} is no longer a member of {org.name}.")
        except DomainError as exc:
            raise CommandError(str(exc)) from None
