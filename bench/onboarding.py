"""Time to onboard one unit: cloning the template schema (the project's way) versus
creating an empty schema and running every tenant migration (the plain path).

    .venv/bin/python bench/onboarding.py [--repeat 5]

Prints the median seconds of each and their ratio. Target: clone ≤ 1 s and ≥ 5× faster
than migrating once modules have their full migrations.
"""
import argparse

from _setup import drop_database, fresh_database, median, timed

DB = "zt_bench_onboarding"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    fresh_database(DB)
    from django.db import connection
    from django.test import override_settings

    from tenants.services import unit_onboard

    def by_clone(i):
        unit_onboard(name=f"克隆单位{i}", slug=f"clone{i}", module_keys=["assets"], admin_email=f"a{i}@bench.cn",
                     actor=None, check_actor=False, send_invite=False)

    def by_migrate(i):
        # Same service, but django-tenants creates the schema empty and runs migrations.
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            unit_onboard(name=f"迁移单位{i}", slug=f"migr{i}", module_keys=["assets"], admin_email=f"m{i}@bench.cn",
                         actor=None, check_actor=False, send_invite=False)

    try:
        by_clone(99)  # warm up imports and caches once, for both paths
        clone = timed(by_clone, args.repeat)
        migrate = timed(by_migrate, args.repeat)
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM unit_template.django_migrations")
            n_migrations = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'unit_template'")
            n_tables = cur.fetchone()[0]
    finally:
        drop_database(DB)
    c, m = median(clone), median(migrate)
    print(f"project size: {n_tables} tables, {n_migrations} migrations in a unit schema")
    print(f"onboard by cloning  : median {c:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in clone)})")
    print(f"onboard by migrating: median {m:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in migrate)})")
    print(f"ratio migrate/clone : {m / c:.1f}x")


if __name__ == "__main__":
    main()
