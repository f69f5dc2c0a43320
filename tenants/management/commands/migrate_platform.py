"""Bring the whole database up to date: public schema, the unit template, every unit.

Run on every deploy. The template schema is not a tenant, so ``migrate_schemas`` alone
never migrates it — and units cloned from a stale template would miss migrations.

At a real district's size most deploys have nothing to apply to the units, and visiting
each schema anyway cost minutes (docs/scaling.md). So: migrate public and the template,
then read every unit schema's fingerprints in a few catalog-sized statements
(``tenants.schema_state``) and visit only the schemas that differ — their migrations from
the template's, their roles from the manifests'. ``migrate`` (with its post_migrate
``create_permissions`` and content types) and ``sync_roles`` run only there. Stale schemas
migrate in parallel processes when there are many (django-tenants' multiprocessing
executor). A run that stops half-way is simply run again: the fingerprints say what is left.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.management.commands.migrate_schemas import Command as MigrateSchemas
from django_tenants.migration_executors import get_executor
from django_tenants.utils import schema_context, schema_exists

from tenants import schema_state
from tenants.models import Unit
from tenants.services import platform_bootstrap
from zhengtong.accounts.roles import sync_roles
from zhengtong.audit import database as audit_database
from zhengtong.registry.registry import DISTRICT_ROLES, unit_roles

# Below this many stale schemas the fork and connection set-up of worker processes costs
# more than it saves.
PARALLEL_FROM = 8


def unit_schemas() -> list[str]:
    """Every schema that must be at the template's state: the units (archived ones too —
    they keep data that may be restored or read) and, when the pool exists, its schemas."""
    schemas = list(Unit.objects.exclude(schema_name="public").order_by("pk").values_list("schema_name", flat=True))
    try:  # the ready-schema pool (tenants.pool), when this deployment has one
        from tenants.pool import pool_schemas
    except ImportError:
        return schemas
    return schemas + [s for s in pool_schemas() if s not in schemas]


class PendingMigrations:
    """Whether ``migrate`` has anything to apply in a schema (that schema alone, no visit of others).

    The migration graph is read from disk once for the run (the loader imports, and on a second
    load reloads, every migration module); each schema asked about adds only its applied rows.
    """

    def __init__(self):
        self._executor: MigrationExecutor | None = None

    def __call__(self, schema: str) -> bool:
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
            if cur.fetchone()[0] is None:
                return True
        # Without public on the search_path: a schema's own django_migrations, never public's
        # (the same care django-tenants takes before migrating a schema).
        connection.set_schema(schema, include_public=False)
        try:
            if self._executor is None or self._executor.loader.replacements:
                # Squashed migrations shape the graph by what the schema applied: built there.
                self._executor = MigrationExecutor(connection)
            else:
                self._executor.loader.applied_migrations = MigrationRecorder(connection).applied_migrations()
            return bool(self._executor.migration_plan(self._executor.loader.graph.leaf_nodes()))
        finally:
            connection.set_schema_to_public()


class Command(BaseCommand):
    help = "Migrate public, template and unit schemas; sync roles; bootstrap the district portal."

    def add_arguments(self, parser):
        parser.add_argument("--district-name", default="示范区")
        parser.add_argument("--division-code", default="110199")
        parser.add_argument("--skip-units", action="store_true", help="Only public and template schemas.")
        parser.add_argument("--all", action="store_true", dest="visit_all",
                            help="Visit every unit schema even if its fingerprints match (e.g. after trigger "
                                 "code changed without a migration).")
        parser.add_argument("--processes", type=int, default=None,
                            help="Worker processes for stale unit schemas "
                                 "(default: ZT_MIGRATE_PROCESSES or the CPU count).")

    def handle(self, *args, district_name, division_code, skip_units, visit_all, processes, verbosity, **options):
        started = time.monotonic()
        quiet = max(0, verbosity - 1)
        pending = PendingMigrations()
        if pending("public"):
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=quiet)
        # Functions live once in public; the per-schema triggers are (re)installed by the
        # schema_migrated signal wherever a migration runs.
        audit_database.install_functions()
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cur:
                cur.execute(f'CREATE SCHEMA "{template}"')
        if visit_all or pending(template):
            call_command("migrate_schemas", tenant=True, schema_name=template, interactive=False, verbosity=quiet)
        roles = unit_roles()
        with schema_context(template):
            sync_roles(roles)
        platform_bootstrap(district_name=district_name, division_code=division_code)
        with schema_context("public"):
            sync_roles(DISTRICT_ROLES)
        if skip_units:
            self.stdout.write(f"platform migrated: public, {template}; unit schemas skipped")
            return

        schemas = unit_schemas()
        target = schema_state.read_states([template], roles)[template]
        want_roles = schema_state.roles_fingerprint(roles)
        states = schema_state.read_states(schemas, roles)
        missing = [s for s in schemas if s not in states]
        if missing:
            raise CommandError(f"unit schemas missing from the database: {', '.join(missing[:10])}")
        stale = [s for s in schemas if visit_all or states[s].migrations != target.migrations]
        self._migrate(stale, quiet, processes)

        states = schema_state.read_states(schemas, roles)
        role_stale = [s for s in schemas if visit_all or states[s].roles != want_roles]
        for schema in role_stale:
            with schema_context(schema):
                sync_roles(roles)

        # The final report: every schema at the template's state, or the command fails.
        states = schema_state.read_states(schemas, roles)
        behind = [s for s in schemas if states[s].migrations != target.migrations or states[s].roles != want_roles]
        if behind:
            raise CommandError(f"{len(behind)} schema(s) not at the template's state after migrating: "
                               f"{', '.join(behind[:10])}")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"platform migrated: public, {template}, {len(schemas)} unit schema(s) all at the template's state; "
            f"migrated {len(stale)}, roles synced in {len(role_stale)}, in {elapsed:.1f} s"
        )

    def _migrate(self, stale: list[str], verbosity: int, processes: int | None) -> None:
        if not stale:
            return
        if len(stale) < PARALLEL_FROM or processes == 1:
            for schema in stale:
                call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False,
                             verbosity=verbosity)
            return
        # django-tenants' multiprocessing executor forks workers that each run migrate in a
        # share of the schemas; it is handed the options migrate_schemas itself would pass.
        parser = MigrateSchemas().create_parser("manage.py", "migrate_schemas")
        opts = vars(parser.parse_args(["--tenant", "--noinput", f"--verbosity={verbosity}"]))
        opts["skip_checks"] = True
        if processes:  # this process runs one command and exits: adjusting its settings is local
            settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = processes
        get_executor(codename="multiprocessing")((), opts).run_migrations(tenants=list(stale))
        connection.close()  # the executor closed it before forking; start clean
