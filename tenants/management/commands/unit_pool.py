"""The pool of ready unit schemas (tenants/pool.py): show it, fill it now, or empty it."""
from django.core.management.base import BaseCommand

from tenants import pool


class Command(BaseCommand):
    help = "Show the pool of ready unit schemas; --fill makes the missing ones now, --drain drops them all."

    def add_arguments(self, parser):
        parser.add_argument("--fill", action="store_true", help="Make schemas until the pool has --size of them.")
        parser.add_argument("--size", type=int, default=None, help="Pool size (default ZT_UNIT_POOL_SIZE).")
        parser.add_argument("--drain", action="store_true", help="Drop every ready schema.")
        parser.add_argument("--snapshot", action="store_true", help="Read the template's DDL snapshot again.")

    def handle(self, *args, fill, size, drain, snapshot, **options):
        if drain:
            self.stdout.write(f"dropped {len(pool.pool_drain())} pool schema(s)")
        if snapshot:
            snap = pool.snapshot_take()
            self.stdout.write(f"template snapshot {snap.digest[:12]}: {len(snap.statements)} statements")
        if fill:
            result = pool.pool_refill(size=size)
            self.stdout.write(f"made {len(result.created)}, dropped {len(result.dropped)} behind the template")
        names = pool.pool_schemas()
        self.stdout.write(f"pool: {len(names)} ready of {pool.pool_size() if size is None else size}"
                          + (f" ({', '.join(names)})" if names else ""))
