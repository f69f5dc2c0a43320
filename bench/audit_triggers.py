"""What row-level auditing costs: a bulk UPDATE of N asset cards with the change trigger
(one chained audit event per row) versus the same UPDATE with the trigger disabled; and
how fast ``verify_trail`` walks the resulting chain.

    .venv/bin/python bench/audit_triggers.py [--rows 5000] [--repeat 3]

Prints the median seconds of each, their ratio, and events verified per second.
"""
import argparse
from datetime import date
from decimal import Decimal

from _setup import drop_database, fresh_database, median, timed

DB = "zt_bench_audit"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    fresh_database(DB)
    import time

    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from modules.assets.models import Asset
    from tenants.services import unit_onboard
    from zhengtong.audit.models import AuditEvent
    from zhengtong.audit.services import verify_trail

    try:
        unit = unit_onboard(name="基准单位", slug="bench", module_keys=["assets"], check_actor=False,
                            send_invite=False).unit
        with schema_context(unit.schema_name):
            Asset.objects.bulk_create(
                Asset(number=f"B-{i:06d}", name="台式计算机", original_value=Decimal("5000.00"),
                      acquired_on=date(2024, 1, 15)) for i in range(args.rows))

            def audited(i):
                with transaction.atomic():
                    Asset.objects.update(location=f"楼层{i}")

            def unaudited(i):
                with transaction.atomic():
                    with connection.cursor() as cur:
                        cur.execute("ALTER TABLE assets_asset DISABLE TRIGGER zt_audit_update")
                    Asset.objects.update(location=f"仓库{i}")
                    with connection.cursor() as cur:
                        cur.execute("ALTER TABLE assets_asset ENABLE TRIGGER zt_audit_update")

            with_trigger = timed(audited, args.repeat)
            without = timed(unaudited, args.repeat)
            events = AuditEvent.objects.count()
            t = time.perf_counter()
            report = verify_trail()
            verify_s = time.perf_counter() - t
            assert report.ok, report
    finally:
        drop_database(DB)
    a, b = median(with_trigger), median(without)
    print(f"bulk UPDATE of {args.rows} asset cards")
    print(f"  with change trigger   : median {a:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in with_trigger)})")
    print(f"  trigger disabled      : median {b:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in without)})")
    print(f"  ratio audited/plain   : {a / b:.1f}x  ({(a - b) / args.rows * 1e6:.0f} µs per audited row)")
    print(f"verify_trail: {report.checked} of {events} events in {verify_s:.3f} s "
          f"({report.checked / verify_s:,.0f} events/s)")


if __name__ == "__main__":
    main()
