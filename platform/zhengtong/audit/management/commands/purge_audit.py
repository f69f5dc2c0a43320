"""Delete audit events older than the retention period (default and minimum 183 days).

The same job runs daily from Celery beat (zhengtong.audit.purge_all). Each purge leaves
an anchor event, so ``verify_audit`` still verifies what remains.
"""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhengtong.audit.services import audit_purge

from ._schemas import add_schema_arguments, chosen_schemas


class Command(BaseCommand):
    help = "Purge audit events older than the retention period (never younger than 183 days)."

    def add_arguments(self, parser):
        add_schema_arguments(parser)
        parser.add_argument("--days", type=int, default=None,
                            help="Keep this many days (at least ZT_AUDIT_RETENTION_DAYS, itself at least 183).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go.")

    def handle(self, *args, days, dry_run, **options):
        for schema in chosen_schemas(options):
            try:
                r = audit_purge(schema=schema, days=days, dry_run=dry_run)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            verb = "would delete" if dry_run else "deleted"
            anchor = f", anchor #{r.anchor_id}" if r.anchor_id else ""
            through = f" (through #{r.purged_through_id})" if r.purged_through_id else ""
            self.stdout.write(f"{schema}: {verb} {r.deleted} events older than {r.retention_days} days"
                              f"{through}{anchor}")
