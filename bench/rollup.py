"""District roll-up of the asset books: the project's way (the per-unit summary rows in the
public schema, modules/assets/district, whose per-unit totals by status, class and department
rollup.district_figures adds up in two small queries) versus a plain loop that switches to each unit's schema
and runs the aggregate there.
For reference it also times the live UNION ALL statement (one branch per schema: what the
page falls back to for a unit without a summary) and the refresh of one unit's summary (what
an asset write costs the worker).

    .venv/bin/python bench/rollup.py [--units 500] [--assets 200] [--repeat 5]

Builds its own database once per run. Each unit gets a schema holding copies of the tables
the roll-up reads (--full-clone clones the whole template instead, as onboarding does, at
several seconds a unit) and its cards in one INSERT ... SELECT (5 departments, 20 classes,
4 statuses). Prints the build time, the median time of each way, and their ratio.
Target: the project's way ≤ 1 s and ≥ 20× faster than the loop.
"""
import argparse
import time

from _setup import drop_database, fresh_database, median, timed

DB = "zt_bench_rollup"

# Column → SQL expression over g (1..n). Other NOT NULL columns get their model default.
CARD_EXPRESSIONS = {
    "number": "'B-' || g",
    "name": "'资产' || g",
    "original_value": "(1000 + (g * 37) %% 90000)::numeric(16, 2)",
    "acquired_on": "DATE '2020-01-01' + (g %% 1500)",
    "status_changed_on": "DATE '2020-01-01' + (g %% 1500)",
    "department": "(ARRAY['办公室', '财务科', '信息中心', '后勤科', '业务一科'])[1 + g %% 5]",
    "status": "(ARRAY['in_use', 'idle', 'repair', 'pending_disposal'])[1 + (g / 20) %% 4]",
    "accumulated_depreciation": "((1000 + (g * 37) %% 90000) / 3)::numeric(16, 2)",
    "asset_class_id": "(SELECT id FROM {schema}.assets_category ORDER BY id OFFSET (g %% 20) LIMIT 1)",
    "created_at": "now()",
    "updated_at": "now()",
}


def cards_sql() -> tuple[str, list]:
    """INSERT ... SELECT FROM generate_series for the current Asset model: every NOT NULL
    column gets an expression or its model default, so new columns do not break the bench."""
    from modules.assets.models import Asset

    columns, values, params = [], [], []
    for f in Asset._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.column in CARD_EXPRESSIONS:
            columns.append(f.column)
            values.append(CARD_EXPRESSIONS[f.column])
        elif not f.null:
            default = f.get_default()
            columns.append(f.column)
            values.append("%s")
            params.append(default)
    # Columns of the table that the model does not (yet) describe, e.g. while another change
    # is half way through: NOT NULL without a database default gets an empty value of its type.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                    "'unit_template' AND table_name = 'assets_asset' AND is_nullable = 'NO' "
                    "AND column_default IS NULL")
        for column, data_type in cur.fetchall():
            if column not in columns and column != "id":
                columns.append(column)
                values.append("%s")
                params.append(False if data_type == "boolean" else 0 if data_type in (
                    "integer", "smallint", "bigint", "numeric") else "")
    sql = (f"INSERT INTO {{schema}}.assets_asset ({', '.join(columns)}) SELECT {', '.join(values)} "
           f"FROM generate_series(1, %s) AS g")
    return sql, params


ROLLUP_TABLES = ("assets_category", "assets_asset", "assets_quotaitem", "assets_leasing_incomeentry")


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
    cards, params = cards_sql()
    for u in units:
        with transaction.atomic():
            if full_clone:
                cloner.clone_schema("unit_template", u.schema_name, "DATA")
                connection.set_schema_to_public()
            else:
                _tables_only(u.schema_name)
            with connection.cursor() as cur:
                cur.execute(cards.format(schema=f'"{u.schema_name}"'), [*params, n_assets])
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
    from modules.assets.district.services import summary_refresh_all, unit_summary_refresh
    from modules.assets.models import Asset

    try:
        t = time.perf_counter()
        build(args.units, args.assets, args.full_clone)
        built = time.perf_counter() - t
        units = rollup.rollup_units()
        assert len(units) == args.units
        t = time.perf_counter()
        summary_refresh_all(units=units)  # what the tasks after each unit's writes leave behind
        seeded = time.perf_counter() - t
        one_unit = timed(lambda i: unit_summary_refresh(unit=units[i % len(units)]), max(args.repeat, 5))

        def project_way(i):
            return rollup.district_figures(units)

        def live_union(i):
            return rollup.asset_rollup_live(units)

        def plain_loop(i):
            """Switch to each unit and aggregate there; add up the page's totals in Python."""
            out = rollup.DistrictFigures(units=units)
            for unit in units:
                connection.set_tenant(unit)
                for code, status, dept, n, qty, orig, net in (
                        Asset.objects.values_list("asset_class__code", "status", "department")
                        .annotate(n=Count("pk"), qty=Sum("quantity"), orig=Sum("original_value"),
                                  net=Sum(F("original_value") - F("accumulated_depreciation")))):
                    row = rollup.Totals(n, qty, orig, net)
                    for target, key in ((out.by_unit, unit.pk), (out.by_unit_status, (unit.pk, status)),
                                        (out.by_class, code or ""), (out.by_status, status),
                                        (out.by_department, dept)):
                        target.setdefault(key, rollup.Totals()).add(row)
                    out.total.add(row)
            connection.set_schema_to_public()
            return out

        # All ways must agree before any is timed.
        a, b = project_way(0), plain_loop(0)
        live = rollup.totals_by(live_union(0), lambda r: "all")["all"]
        figures = lambda f: (f.total.count, f.total.original_value, f.total.net_value)  # noqa: E731
        assert figures(a) == figures(b) == (live.count, live.original_value, live.net_value)
        assert ({k: v.original_value for k, v in a.by_unit.items()}
                == {k: v.original_value for k, v in b.by_unit.items()})
        assert {k: v.count for k, v in a.by_department.items()} == {k: v.count for k, v in b.by_department.items()}
        assert {k: v.count for k, v in a.by_unit_status.items()} == {k: v.count for k, v in b.by_unit_status.items()}
        # The whole district page as the finance bureau gets it (figures, quota usage, disposals
        # and lending income of the year, the template), called through the view.
        from django.test import RequestFactory

        from modules.assets.views_district import district_rollup
        from tenants.models import Unit
        from zhengtong.accounts.models import User
        from zhengtong.accounts.services import member_roles_set

        portal = Unit.objects.get(schema_name="public")
        bureau = User.objects.create_user(email="bureau@bench.cn", password="Bench-Passw0rd#1", name="国资办")
        member_roles_set(unit=portal, user=bureau, role_keys=["district.finance_bureau"], actor=None,
                         enforce_grantor=False)

        def page(i):
            request = RequestFactory().get("/assets/")
            request.tenant, request.user = portal, User.objects.get(pk=bureau.pk)
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            response = district_rollup(request)
            assert response.status_code == 200 and b'data-unit="roll0499"' in response.content
            return response

        from django.conf import settings
        from django.urls import set_urlconf

        connection.set_tenant(portal)
        set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)  # what django-tenants' middleware does for the portal
        page(0)
        ours_page = timed(page, args.repeat)
        ours = timed(project_way, args.repeat)
        union = timed(live_union, args.repeat)
        loop = timed(plain_loop, args.repeat)
        summary_rows = rollup.UnitAssetSummary.objects.count()
    finally:
        drop_database(DB)
    o, u, lp = median(ours), median(union), median(loop)
    print(f"data: {args.units} units × {args.assets} assets = {a.total.count} cards, "
          f"original value ¥{a.total.original_value:,.2f}; built in {built:.1f} s")
    print(f"summaries: {summary_rows} rows; all units refreshed in {seeded:.1f} s; one unit's refresh: "
          f"median {median(one_unit) * 1000:.1f} ms")
    print(f"roll-up, summary rows (project) : median {o:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in ours)})")
    print(f"district page (view, template)  : median {median(ours_page):.3f} s  "
          f"(runs: {', '.join(f'{x:.3f}' for x in ours_page)})")
    print(f"roll-up, live UNION ALL         : median {u:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in union)})")
    print(f"roll-up, loop over schemas      : median {lp:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in loop)})")
    print(f"ratio loop/project              : {lp / o:.1f}x  (target ≥ 20x and project ≤ 1 s)")
    print(f"ratio live UNION/project        : {u / o:.1f}x")
    print(f"ratio loop/district page        : {lp / median(ours_page):.1f}x")


if __name__ == "__main__":
    main()
