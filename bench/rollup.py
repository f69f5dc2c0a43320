"""District roll-up of the asset books: the project's way (one UNION ALL statement across
the unit schemas, modules/assets/rollup.py) versus a plain loop that switches to each
unit's schema and runs the same aggregate there.

    .venv/bin/python bench/rollup.py [--units 500] [--assets 200] [--repeat 5]

Builds its own database once per run. Each unit gets a schema holding copies of the
tables the roll-up reads (--full-clone clones the whole template instead, as onboarding
does, at several seconds a unit) and its cards in one INSERT ... SELECT. Prints the build time, the median time of each way, and their ratio.
Target: the project's way ≤ 1 s and ≥ 20× faster than the loop.
"""
import argparse
import time

from _setup import drop_database, fresh_database, median, timed

DB = "zt_bench_rollup"

CARDS = """
INSERT INTO {schema}.assets_asset (number, name, category, spec, original_value, acquired_on, department,
    location, status, version, created_at, updated_at, quantity, unit_of_measure, acquisition_method,
    funding_source, accumulated_depreciation, asset_class_id)
SELECT 'B-' || g, '资产' || g, '', '', (1000 + (g * 37) %% 90000)::numeric(16, 2), DATE '2020-01-01' + (g %% 1500),
    '', '', (ARRAY['in_use', 'idle', 'repair', 'pending_disposal'])[1 + g %% 4], 1, now(), now(), 1, '台',
    'purchase', 'budget', ((1000 + (g * 37) %% 90000) / 3)::numeric(16, 2),
    (SELECT id FROM {schema}.assets_category ORDER BY id OFFSET (g %% 20) LIMIT 1)
FROM generate_series(1, %s) AS g
"""


ROLLUP_TABLES = ("assets_category", "assets_asset", "assets_quotaitem")


def _tables_only(schema: str) -> None:
    """The tables the roll-up reads, copied from the template with their data (the
    classification) — milliseconds, where a full clone of the template takes seconds a
    unit on this machine."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
        for table in ROLLUP_TABLES:
            cur.execute(f'CREATE TABLE "{schema}".{table} (LIKE unit_template.{table} INCLUDING ALL)')
            cur.execute(f'INSERT INTO "{schema}".{table} SELECT * FROM unit_template.{table}')


def build(n_units: int, n_assets: int, full_clone: bool) -> None:
    from django.db import connection, transaction
    from django_tenants.clone import CloneSchema

    from tenants.models import District, Unit, UnitModule

    district = District.objects.first()
    owner_id = Unit.objects.get(schema_name="public").owner_id  # django-tenant-users: every tenant has one
    units = Unit.objects.bulk_create([
        Unit(name=f"汇总单位{i:04d}", slug=f"roll{i:04d}", schema_name=f"u_roll{i:04d}", district=district,
             owner_id=owner_id) for i in range(n_units)])
    UnitModule.objects.bulk_create([UnitModule(unit=u, module_key="assets") for u in units])
    cloner = CloneSchema()
    for u in units:
        with transaction.atomic():
            if full_clone:
                cloner.clone_schema("unit_template", u.schema_name, "DATA")
                connection.set_schema_to_public()
            else:
                _tables_only(u.schema_name)
            with connection.cursor() as cur:
                cur.execute(CARDS.format(schema=f'"{u.schema_name}"'), [n_assets])
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--assets", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--full-clone", action="store_true",
                    help="clone the whole template per unit (realistic catalog size, several seconds a unit)")
    args = ap.parse_args()
    fresh_database(DB)
    from django.db import connection
    from django.db.models import Count, F, Sum

    from modules.assets import rollup
    from modules.assets.models import Asset

    try:
        t = time.perf_counter()
        build(args.units, args.assets, args.full_clone)
        built = time.perf_counter() - t
        units = rollup.rollup_units()
        assert len(units) == args.units

        def project_way(i):
            return rollup.asset_rollup(units)

        def plain_loop(i):
            out = []
            for unit in units:
                connection.set_tenant(unit)
                out.extend((unit.pk, *row) for row in Asset.objects.values_list("asset_class__code", "status")
                           .annotate(n=Count("pk"), orig=Sum("original_value"),
                                     net=Sum(F("original_value") - F("accumulated_depreciation"))))
            connection.set_schema_to_public()
            return out

        # Both ways must agree before either is timed.
        a = rollup.totals_by(project_way(0), lambda r: "all")["all"]
        b = plain_loop(0)
        assert (a.count, a.original_value, a.net_value) == (sum(r[3] for r in b), sum(r[4] for r in b),
                                                            sum(r[5] for r in b))
        ours = timed(project_way, args.repeat)
        loop = timed(plain_loop, args.repeat)
    finally:
        drop_database(DB)
    o, lp = median(ours), median(loop)
    print(f"data: {args.units} units × {args.assets} assets = {a.count} cards, "
          f"original value ¥{a.original_value:,.2f}; built in {built:.1f} s")
    print(f"roll-up, one UNION ALL query : median {o:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in ours)})")
    print(f"roll-up, loop over schemas   : median {lp:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in loop)})")
    print(f"ratio loop/project           : {lp / o:.1f}x")


if __name__ == "__main__":
    main()
