from django.core.management.base import BaseCommand

from tenants.services import platform_bootstrap


class Command(BaseCommand):
    help = "Create (or confirm) the district and its portal host; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("division_code")

    def handle(self, *args, name, division_code, **o):
        portal = platform_bootstrap(district_name=name, division_code=division_code)
        self.stdout.write(f"district {portal.district} at {portal.primary_host}")
