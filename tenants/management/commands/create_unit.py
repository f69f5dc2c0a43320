from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import unit_onboard


class Command(BaseCommand):
    help = "Onboard a unit from the shell (schema cloned from the template); prints the admin's invite link."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument("--type", default="bureau", choices=["bureau", "school", "other"])
        parser.add_argument("--credit-code", default="")
        parser.add_argument("--modules", default="", help="comma-separated module keys, e.g. assets")
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--admin-name", default="")

    def handle(self, *args, **o):
        try:
            done = unit_onboard(
                name=o["name"], slug=o["slug"], unit_type=o["type"], credit_code=o["credit_code"],
                module_keys=[k for k in o["modules"].split(",") if k], admin_email=o["admin_email"],
                admin_name=o["admin_name"], actor=None, check_actor=False,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(f"created {done.unit.name} at {done.unit.primary_host}")
        if done.invite_url:
            self.stdout.write(f"invitation for {o['admin_email']}: {done.invite_url}")
