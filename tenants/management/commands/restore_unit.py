from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, unit_restore


class Command(BaseCommand):
    help = ("Restore a unit backup (made by backup_unit) into a NEW unit NEWSLUG: schema u_<newslug>, host "
            "<newslug>.<base domain>. Accounts that exist (same e-mail) are reused; all or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("newslug")
        parser.add_argument("--name", default="", help="name of the new unit (default: the backed-up unit's)")

    def handle(self, *args, file, newslug, name, **o):
        try:
            done = unit_restore(path=file, slug=newslug, name=name)
        except (BackupError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        unit = done.unit
        self.stdout.write(f"restored {unit.name} as {unit.schema_name} at {unit.primary_host}: {done.tables} tables, "
                          f"{done.rows} rows, {done.files} files; accounts reused {done.users_reused}, "
                          f"recreated {done.users_created}")
        for note in done.notes:
            self.stdout.write(f"  note: {note}")
