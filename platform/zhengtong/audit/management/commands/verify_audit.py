"""Check every (or one) schema's audit chain and name the first broken link.

Exit status 1 when any trail is broken or unprotected, so a cron job or monitor notices.
"""
from django.core.management.base import BaseCommand, CommandError

from zhengtong.audit.services import verify_trail

from ._schemas import add_schema_arguments, chosen_schemas


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain per schema; report the first broken link."

    def add_arguments(self, parser):
        add_schema_arguments(parser)

    def handle(self, *args, **options):
        failed = []
        for schema in chosen_schemas(options):
            r = verify_trail(schema)
            start = f" (continues from purge anchor #{r.anchor_id})" if r.anchor_id else ""
            if r.broken_id is not None:
                after = f" after event #{r.previous_id}" if r.previous_id is not None else ""
                self.stdout.write(self.style.ERROR(
                    f"{schema}: BROKEN at event #{r.broken_id} [{r.broken_summary}]{after}: {r.reason}"
                    f" — {r.checked} events before it are intact{start}"))
                failed.append(schema)
            else:
                head = f", head #{r.head_id} {r.head_hash}" if r.head_id is not None else ""
                self.stdout.write(self.style.SUCCESS(f"{schema}: OK, {r.checked} events{head}{start}"))
            for problem in r.protection_problems:
                self.stdout.write(self.style.WARNING(f"{schema}: UNPROTECTED: {problem}"))
                if schema not in failed:
                    failed.append(schema)
        if failed:
            raise CommandError(f"audit trail broken or unprotected in: {', '.join(failed)}")
