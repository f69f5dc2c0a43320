"""Where making a unit schema spends its time, by kind of DDL statement (issue 12, item 1).

    ZT_PGDATA=var/pgdata-bench .venv/bin/python bench/schema_profile.py [--db zt_bench_scale]

Replays the template's DDL snapshot (tenants/pool.py) statement by statement into a scratch
schema, inside a transaction it rolls back, in a database a kept bench/scale.py run left (so at
that run's number of units), and prints the time per kind, the largest first. This is how the
foreign keys into the public schema were found to be most of a schema's cost at 265 units
(docs/scaling.md); run it at two sizes to see which kind grows. Each figure is printed with the
total it is part of (its baseline).
"""
import argparse
import collections
import time

from _setup import existing_database


def kind_of(statement: str, scratch: str) -> str:
    upper = statement.upper()
    if "FOREIGN KEY" in upper:
        target = upper.split("REFERENCES", 1)[-1]
        return "foreign key within the schema" if f'"{scratch.upper()}".' in target else "foreign key into public"
    if upper.startswith("CREATE TABLE"):
        return "CREATE TABLE"
    if "INDEX" in upper:
        return "CREATE INDEX"
    if "TRIGGER" in upper:
        return "CREATE TRIGGER"
    return " ".join(upper.split()[:2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="zt_bench_scale")
    args = ap.parse_args()
    existing_database(args.db)
    from django.db import connection, transaction

    from tenants import pool
    from tenants.models import Unit

    scratch = "zt_profile_scratch"
    statements = [s.replace(pool.PLACEHOLDER, f'"{scratch}"') for s in pool.current_snapshot().statements]
    per_kind = collections.defaultdict(lambda: [0, 0.0])
    with transaction.atomic():
        pool.lock_referenced_tables()
        with connection.cursor() as cur:
            started = time.perf_counter()
            for statement in statements:
                t = time.perf_counter()
                cur.execute(statement)
                entry = per_kind[kind_of(statement, scratch)]
                entry[0] += 1
                entry[1] += time.perf_counter() - t
            total = time.perf_counter() - started
        transaction.set_rollback(True)  # nothing is left behind
    units = Unit.objects.exclude(schema_name="public").count()
    for kind, (count, seconds) in sorted(per_kind.items(), key=lambda kv: -kv[1][1])[:10]:
        print(f"{kind:32s} {count:4d} statements {seconds:7.3f} s  {seconds / total:5.1%} of the replay")
    print(f"schema profile: units={units} statements={len(statements)} replay_s={total:.3f}")


if __name__ == "__main__":
    main()
