"""``ouvert organisation create|update|list|add-member|remove-member``: organisations and their
members from the command line, through the same services as the web pages and the APIs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.accounts import services
from ouvert.accounts.management.acting import acting_user
from ouvert.accounts.models import Role
from ouvert.core.errors import DomainError, ValidationFailed

# Command-line option → organisation field.
FIELDS = {
    "title_fr": gettext_lazy("Title in French."),
    "title_en": gettext_lazy("Title in English."),
    "description_fr": gettext_lazy("Description in French (Markdown)."),
    "description_en": gettext_lazy("Description in English (Markdown)."),
    "website": gettext_lazy("Web site address."),
    "email": gettext_lazy("Contact e-mail address."),
    "image_url": gettext_lazy("Address of the logo."),
}


def _add_fields(parser) -> None:
    for field, help_text in FIELDS.items():
        parser.add_argument("--" + field.replace("_", "-"), dest=field, default=None, help=help_text)


class Command(BaseCommand):
    help = gettext_lazy("Create, change and list organisations; add and remove their members.")

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="acting", default=None,
                            help=gettext_lazy("User name the change is recorded under (default: the first sysadmin)."))
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    metavar="{create,update,list,add-member,remove-member}")
        create = sub.add_parser("create", help=gettext_lazy("Create an organisation."))
        create.add_argument("name", help=gettext_lazy("Short name, as in its address."))
        _add_fields(create)
        update = sub.add_parser("update", help=gettext_lazy("Change an organisation's fields (those given)."))
        update.add_argument("organisation", help=gettext_lazy("Name or id of the organisation."))
        update.add_argument("--name", dest="new_name", default=None, help=gettext_lazy("New short name."))
        _add_fields(update)
        sub.add_parser("list", help=gettext_lazy("List the organisations."))
        add = sub.add_parser("add-member", help=gettext_lazy("Add a member, or change their role."))
        add.add_argument("organisation", help=gettext_lazy("Name or id of the organisation."))
        add.add_argument("username", help=gettext_lazy("User name or e-mail address."))
        add.add_argument("role", nargs="?", choices=Role.values, default=Role.MEMBER,
                         help=gettext_lazy("Role (default: %(default)s)."))
        remove = sub.add_parser("remove-member", help=gettext_lazy("Remove a member."))
        remove.add_argument("organisation", help=gettext_lazy("Name or id of the organisation."))
        remove.add_argument("username", help=gettext_lazy("User name or e-mail address."))

    def handle(self, *args, subcommand, acting=None, **options):
        try:
            if subcommand == "list":
                return self._list()
            actor = acting_user(acting)
            if subcommand == "create":
                data = {"name": options["name"], **self._fields(options)}
                organisation = services.create_organisation(actor=actor, data=data)
                self.stdout.write(_("Organisation %(name)s created.") % {"name": organisation.name})
            elif subcommand == "update":
                data = self._fields(options)
                if options["new_name"] is not None:
                    data["name"] = options["new_name"]
                if not data:
                    raise CommandError(_("Nothing to change: give at least one field."))
                organisation = services.get_organisation(options["organisation"])
                organisation = services.update_organisation(organisation, actor=actor, data=data)
                self.stdout.write(_("Organisation %(name)s updated.") % {"name": organisation.name})
            else:
                organisation = services.get_organisation(options["organisation"])
                user = services.find_user(options["username"])
                if subcommand == "add-member":
                    services.set_membership(organisation, user, options["role"], actor=actor)
                    self.stdout.write(_("%(user)s is %(role)s of %(organisation)s.") % {
                        "user": user.username, "role": options["role"], "organisation": organisation.name})
                else:
                    services.remove_membership(organisation, user, actor=actor)
                    self.stdout.write(_("%(user)s is no longer a member of %(organisation)s.") % {
                        "user": user.username, "organisation": organisation.name})
        except ValidationFailed as exc:
            problems = [f"{field}: {' '.join(messages)}" for field, messages in exc.fields.items()]
            raise CommandError("\n".join([exc.message, *problems] if exc.message else problems)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    def _list(self) -> None:
        for organisation, members in services.list_organisations():
            self.stdout.write(f"{organisation.name}\t{organisation.title_fr}\t{organisation.title_en}\t{members}")

    @staticmethod
    def _fields(options) -> dict:
        return {field: options[field] for field in FIELDS if options.get(field) is not None}
