from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, unit_backup
from tenants.models import Unit


class Command(BaseCommand):
    help = ("Back up one unit into FILE: its schema, its rows in shared tables (unit, domains, module switches, "
            "memberships, invitations, the accounts it refers to) and its uploaded files. The file holds password "
            "hashes: it is created readable by its owner only; keep it like the database itself.")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")

    def handle(self, *args, slug, file, **o):
        unit = Unit.objects.filter(slug=slug).exclude(schema_name="public").first()
        if unit is None:
            raise CommandError(f"no unit {slug!r}")
        try:
            done = unit_backup(unit=unit, path=file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = done.manifest
        rows = sum(t["rows"] for t in m["tables"])
        self.stdout.write(f"backed up {unit.name} ({unit.schema_name}) to {done.path}: {len(m['tables'])} tables, "
                          f"{rows} rows, {sum(p['rows'] for p in m['public'])} shared rows, "
                          f"{m['users']['rows']} accounts, {len(m['media'])} files")
        for s in m["skipped"]:
            self.stdout.write(f"  not included: {s['table']} ({s['reason']})")
