"""Refresh the district roll-up summaries of every unit using the assets module (or the
units named): after a restore, a bulk change made outside the services, or to seed the
summaries of units that existed before them."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Refresh the district asset roll-up summaries (all units, or those named by slug)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="unit slugs (default: every unit with the assets module)")

    def handle(self, *slugs, **options):
        from modules.assets.rollup import rollup_units

        from ...services import summary_refresh_all

        units = [u for u in rollup_units() if not slugs or u.slug in slugs]
        missing = set(slugs) - {u.slug for u in units}
        for done in summary_refresh_all(units=units):
            self.stdout.write(f"unit {done.unit_id}: {done.cards} cards, {done.rows} rows, {done.seconds:.3f} s")
        if missing:
            self.stderr.write(f"not found or without the assets module: {', '.join(sorted(missing))}")
