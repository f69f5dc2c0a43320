"""Tenancy at a real district's size (issue 12): how the product's paths behave with N units.

    .venv/bin/python bench/scale.py --units 100 [--repeat 5] [--keep]

In a database of its own: onboards units from the pool (tenants/pool.py) with few units,
fills up to N units, then onboards again from the pool, with the pool empty (schema replayed
from the template's DDL snapshot) and the way it was done before (django-tenants'
clone_schema), and times making a bare schema both ways. Each figure is printed with its
baseline and ratio.

FILLER (labelled): most of the N units are made by ``fill_units`` — a unit row, its domain
and a schema replayed from the snapshot, one transaction per unit, without the audit entry,
modules or invitation of a real onboarding. Every *measured* figure goes through the product's
own paths (``unit_onboard``, ``tenants.pool``, ``CloneSchema``).

bench/scale_figures.py measures the rest (deploys, pages, worker memory, the beat tick, bulk
onboarding), each beside its baseline. The LAST line is the issue's summary line.
"""
import argparse
import time

import scale_figures as figures
from _setup import drop_database, existing_database, fresh_database, median

DB = "zt_bench_scale"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the database (for a closer look)")
    ap.add_argument("--bulk", type=int, default=30, help="units created from one spreadsheet (bulk onboarding)")
    ap.add_argument("--measure-only", action="store_true",
                    help="go on with the database a killed or --keep run left: fill it up to --units; the bulk "
                         "figure is the kept database's last bulk job")
    ap.add_argument("--schema-at", default="10,250",
                    help="unit counts at which making a bare schema is timed both ways while filling")
    ap.add_argument("--no-new-migration", dest="new_migration", action="store_false",
                    help="skip migrating every schema for a (SQL-free) new migration")
    args = ap.parse_args()
    if args.measure_only:
        existing_database(DB)
        args.bulk, args.keep = 0, True
    else:
        fresh_database(DB)
    from django.db import connection
    from django.test import override_settings

    from tenants import pool
    from tenants.models import Unit

    seq = iter(range(1, 10**6))
    run = format(int(time.time()) % 36**4, "x")  # slugs of this run differ from a kept database's

    def units() -> int:
        return Unit.objects.exclude(schema_name="public").count()

    def onboard(tag: str, source: str) -> float:
        from tenants.services import unit_onboard

        i = next(seq)
        with override_settings(ZT_UNIT_SCHEMA_SOURCE=source):
            t = time.perf_counter()
            done = unit_onboard(name=f"测量单位{i}", slug=f"{tag}{run}-{i}", module_keys=["assets"],
                                admin_email=f"head{i}@bench.cn", actor=None, check_actor=False, send_invite=False)
            took = time.perf_counter() - t
        made_by = done.unit._zt_schema_source
        assert made_by == source, f"{tag}{i} was made by {made_by}, not {source}"
        return took

    def onboard_from_pool(tag: str) -> list[float]:
        pool.pool_refill(size=args.repeat)  # untimed: the background job's work
        return [onboard(tag, "pool") for _ in range(args.repeat)]

    def bare_schema(how: str) -> list[float]:
        from django_tenants.clone import CloneSchema

        out = []
        for k in range(args.repeat):
            name = f"zt_bench_{how}_{k}"
            t = time.perf_counter()
            if how == "clone":
                CloneSchema().clone_schema(pool.template_schema(), name, "DATA")
            else:
                pool.schema_from_snapshot(name)
            out.append(time.perf_counter() - t)
            connection.set_schema_to_public()
            with connection.cursor() as cur:
                cur.execute(f'DROP SCHEMA "{name}" CASCADE')
        return out

    try:
        onboard("warm", "snapshot")  # imports, caches, the snapshot itself
        start_units = units()
        pool_start = onboard_from_pool("early")
        schema_at = {}  # unit count -> (snapshot median, clone median), timed on the way up

        def time_schema_making(count: int) -> None:
            schema_at[count] = (median(bare_schema("snapshot")), median(bare_schema("clone")))
            print(f"  make a schema at {count} units: snapshot {schema_at[count][0]:.3f} s, "
                  f"clone_schema {schema_at[count][1]:.3f} s", flush=True)

        checkpoints = sorted(int(c) for c in args.schema_at.split(",") if c.strip())
        t = time.perf_counter()
        filled = 0
        target = args.units - 3 * args.repeat - args.bulk
        for stop in [c for c in checkpoints if c < target] + [target]:
            filled += fill_units(stop - units(), start=Unit.objects.filter(slug__startswith="fill").count())
            if stop in checkpoints and units() == stop:
                time_schema_making(stop)
        fill_s = time.perf_counter() - t
        bulk_s, bulk_made = figures.bulk_onboard(args.bulk) if args.bulk else (0.0, 0)
        bulk_how = "from one spreadsheet in this run"
        if args.measure_only:  # the run this one continues made them: the job's own record says how long
            bulk_s, bulk_made = figures.bulk_recorded()
            bulk_how = "from one spreadsheet by the kept database's last bulk job (its own start and finish times)"
        pool_n = onboard_from_pool("late")
        snapshot_n = [onboard("snap", "snapshot") for _ in range(args.repeat)]
        clone_n = [onboard("clone", "clone") for _ in range(args.repeat)]
        n = units()
        schema_snapshot = bare_schema("snapshot")
        schema_clone = bare_schema("clone")
        every = list(Unit.objects.exclude(schema_name="public").order_by("pk"))
        noop_s, visit_all_s, visit_how = figures.noop_migrate()
        page_10, page_n = figures.page_ratio(every)
        member_1, member_n = figures.member_ratio(every)
        tick_s, tick_old_s, tick_sent = figures.beat_tick()
        rss_warm, rss_all = figures.worker_rss_growth([u.primary_host for u in every])
        migrate_new_s, migrated = figures.new_migration() if args.new_migration else (None, 0)
    finally:
        if not args.keep:
            drop_database(DB)

    p0, pn, sn, cn = median(pool_start), median(pool_n), median(snapshot_n), median(clone_n)
    bs, bc = median(schema_snapshot), median(schema_clone)

    def runs(xs):
        return ", ".join(f"{x:.3f}" for x in xs)

    print(f"filler (labelled): {filled} units made by fill_units in {fill_s:.0f} s")
    print(f"onboard from the pool at {start_units + 1} units : median {p0:.3f} s  ({runs(pool_start)})")
    print(f"onboard from the pool at {n} units: median {pn:.3f} s  ({runs(pool_n)})"
          f"  ratio to {start_units + 1} units {pn / p0:.2f}x (target <= 0.3 s, flat)")
    print(f"onboard, pool empty (snapshot) at {n}: median {sn:.3f} s  ({runs(snapshot_n)})  {sn / pn:.1f}x the pool")
    print(f"onboard by clone_schema (before) at {n}: median {cn:.3f} s  ({runs(clone_n)})  {cn / pn:.1f}x the pool")
    for count, (snap, clone) in sorted(schema_at.items()):
        print(f"make a schema at {count} units: snapshot {snap:.3f} s, clone_schema {clone:.3f} s, "
              f"clone/snapshot {clone / snap:.1f}x")
    print(f"make a schema at {n} units: snapshot {bs:.3f} s, clone_schema {bc:.3f} s, clone/snapshot {bc / bs:.1f}x")
    print(f"bulk onboarding: {bulk_made} units {bulk_how} in {bulk_s:.1f} s "
          f"({bulk_s / max(bulk_made, 1):.2f} s per unit, each in its own transaction)")
    print(f"no-op deploy at {n} units: {noop_s:.2f} s; visiting every schema (before): ~{visit_all_s:.0f} s "
          f"({visit_how}); {visit_all_s / noop_s:.0f}x")
    if migrate_new_s is not None:
        print(f"a new (SQL-free) migration reaches {migrated} schemas in {migrate_new_s:.1f} s "
              f"({migrate_new_s / migrated:.3f} s per schema, parallel processes)")
    print(f"unit page, median of 50: unit #10 {page_10 * 1000:.1f} ms, unit #{n} {page_n * 1000:.1f} ms, "
          f"ratio {page_n / page_10:.2f} (target <= 1.2)")
    print(f"unit page for a member of 1 unit {member_1 * 1000:.1f} ms, of {n} units {member_n * 1000:.1f} ms, "
          f"ratio {member_n / member_1:.2f} (target <= 1.2)")
    print(f"gunicorn worker RSS: {rss_warm:.1f} MB after 10 unit hosts, {rss_all:.1f} MB after {n}: "
          f"+{rss_all - rss_warm:.1f} MB (target <= 30)")
    print(f"beat tick over {n} units, every job due ({tick_sent} sends collected): {tick_s:.3f} s; "
          f"claims per (job, unit) as before: {tick_old_s:.2f} s, {tick_old_s / tick_s:.0f}x")
    print(f"scale: units={n} onboard_s={pn:.3f} onboard_clone_s={cn:.3f} bulk_units={bulk_made} "
          f"noop_migrate_s={noop_s:.2f} page_ratio={page_n / page_10:.2f} member_ratio={member_n / member_1:.2f} "
          f"rss_growth_mb={rss_all - rss_warm:.1f} tick_s={tick_s:.3f}")


def fill_units(count: int, start: int = 0) -> int:
    """FILLER: ``count`` units with a row, a domain and a schema from the snapshot; one
    transaction each. Not the onboarding path (no audit entry, modules or invitation)."""
    from django.db import transaction

    from tenants import pool
    from tenants.models import Domain, Unit
    from tenants.services import system_user
    from zhengtong.core.hosts import unit_host

    owner = system_user()
    portal = Unit.objects.get(schema_name="public")
    made = 0
    for i in range(start, start + max(0, count)):
        slug = f"fill{i:05d}"
        with transaction.atomic():
            unit = Unit(name=f"填充单位{i}", slug=slug, schema_name=f"u_{slug}", district=portal.district,
                        owner=owner)
            unit.auto_create_schema = False
            unit.save(verbosity=0)
            pool.schema_from_snapshot(unit.schema_name)
            Domain.objects.create(domain=unit_host(slug), tenant=unit, is_primary=True)
        made += 1
        if made % 50 == 0:
            print(f"  filler: {made}/{count}", flush=True)
    return made


if __name__ == "__main__":
    main()
