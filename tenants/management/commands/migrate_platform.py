"""Bring the whole database up to date: public schema, the unit template, every unit.

Run on every deploy. The template schema is not a tenant, so ``migrate_schemas`` alone
never migrates it — and units cloned from a stale template would miss migrations.
"""
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Unit
from tenants.services import platform_bootstrap
from zhengtong.accounts.roles import sync_roles
from zhengtong.registry.registry import DISTRICT_ROLES, unit_roles


class Command(BaseCommand):
    help = "Migrate public, template and unit schemas; sync roles; bootstrap the district portal."

    def add_arguments(self, parser):
        parser.add_argument("--district-name", default="示范区")
        parser.add_argument("--division-code", default="110199")
        parser.add_argument("--skip-units", action="store_true", help="Only public and template schemas.")

    def handle(self, *args, district_name, division_code, skip_units, verbosity, **options):
        quiet = max(0, verbosity - 1)
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=quiet)
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cur:
                cur.execute(f'CREATE SCHEMA "{template}"')
        call_command("migrate_schemas", tenant=True, schema_name=template, interactive=False, verbosity=quiet)
        with schema_context(template):
            sync_roles(unit_roles())
        platform_bootstrap(district_name=district_name, division_code=division_code)
        with schema_context("public"):
            sync_roles(DISTRICT_ROLES)
        units = list(Unit.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
        if units and not skip_units:
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=quiet)
            for schema in units:
                with schema_context(schema):
                    sync_roles(unit_roles())
        self.stdout.write(f"platform migrated: public, {template}, {len(units)} unit(s)")
