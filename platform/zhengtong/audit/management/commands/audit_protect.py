"""Install the trail's triggers and, where the deployment separates roles, narrow the
application role's rights on every trail to SELECT and INSERT (docs/audit.md).

Run as the owner role. ``migrate_platform`` does the same for each schema it migrates
when ZT_DB_APP_ROLE is set; this command is for doing it on its own (or re-checking).
"""
from django.core.management.base import BaseCommand

from zhengtong.audit import conf, database

from ._schemas import add_schema_arguments, chosen_schemas


class Command(BaseCommand):
    help = "(Re)install audit triggers; with --app-role, leave that role only SELECT/INSERT on audit trails."

    def add_arguments(self, parser):
        add_schema_arguments(parser)
        parser.add_argument("--app-role", default=None, help="The application's database role (ZT_DB_APP_ROLE).")

    def handle(self, *args, app_role, **options):
        role = app_role or conf.app_role()
        database.install_functions()
        for schema in chosen_schemas(options):
            tables = database.install_triggers(schema)
            line = f"{schema}: triggers on the trail and on {len(tables)} tracked table(s)"
            if role:
                database.grant_app_role(schema, role)
                line += f"; {role} may only read and append to the trail"
            self.stdout.write(line)
