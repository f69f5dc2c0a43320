"""The unit asset list with object permissions: query count constant in page size and data
size, and time close to the same list without permission filtering.

    .venv/bin/python bench/asset_list.py [--assets 10000] [--held 300] [--repeat 7]

Builds its own database with one unit (onboarded as a real unit is) and registers its cards
through the bulk registration service (which grants each custodian their cards' object
permissions, as registering them one by one would): first 1,000 cards, then up to
--assets. Readers:

* the asset officer — role permission, sees every card;
* a custodian — holds --held cards by custody (django-guardian object permissions);
* a department head — sees the cards of one assigned department besides their own.

For each data size it prints, per reader, the queries and median time of
(a) the selector (modules.assets.selectors.asset_list) paginated at 20 and 100 cards a page,
    against the same page of the same list without any permission filter, and
(b) the list view's page (GET /m/assets/ through Django's test client, middleware, template).
The view's "unfiltered" column is the officer's page (the same view; the officer's role sees
every card, so no permission filter is applied). Targets: the query counts do not change with
page size or data size; the filtered list takes ≤ 1.3× the unfiltered one.
"""
import argparse
from datetime import date
from decimal import Decimal

from _setup import drop_database, fresh_database, median, timed

DB = "zt_bench_asset_list"
DEPARTMENTS = ["办公室", "财务科", "信息中心", "后勤科", "业务一科"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=10000)
    ap.add_argument("--held", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--explain", action="store_true", help="print the custodian list's SQL and plan")
    args = ap.parse_args()
    fresh_database(DB)
    try:
        run(args)
    finally:
        drop_database(DB)


class QueryCounter:
    """Counts the statements a block sends (an execute wrapper: it sees every query of a
    request through the test client, where Django's query log is cleared per request)."""

    def __init__(self, connection):
        self.connection, self.n = connection, 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)

    def __len__(self):
        return self.n


def run(args):
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from modules.assets import selectors
    from modules.assets.imports import asset_bulk_register
    from modules.assets.models import Asset, DepartmentHead
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    unit = unit_onboard(name="资产列表基准", slug="benchzc", module_keys=["assets"], actor=None, check_actor=False,
                        send_invite=False).unit
    users = {}
    for key, roles in (("officer", ["assets.asset_officer"]), ("custodian", ["assets.custodian"]),
                       ("department head", ["assets.department_head", "assets.custodian"]),
                       ("other custodian", ["assets.custodian"])):
        user = User.objects.create_user(email=f"{key.replace(' ', '')}@bench.cn", password="Bench-Passw0rd#1",
                                        name=key)
        member_roles_set(unit=unit, user=user, role_keys=roles, actor=None, enforce_grantor=False)
        users[key] = user
    officer, custodian, head, other = (users[k] for k in ("officer", "custodian", "department head",
                                                          "other custodian"))
    with schema_context(unit.schema_name):
        DepartmentHead.objects.create(user=head, department="信息中心")
    host = unit.primary_host
    readers = ("officer", "custodian", "department head")

    def register(start: int, stop: int):
        """Cards start..stop-1; the custodian holds the first --held, the head 50, the rest
        are spread over another custodian and nobody."""
        records = []
        for i in range(start, stop):
            holder = custodian if i < args.held else head if i < args.held + 50 else other if i % 3 else None
            records.append({"name": f"资产{i:05d}", "number": f"BENCHZC-{i:06d}",
                            "original_value": Decimal(1000 + i % 9000), "acquired_on": date(2024, 1 + i % 12, 1),
                            "department": DEPARTMENTS[i % len(DEPARTMENTS)], "custodian": holder,
                            "category": "", "spec": "", "location": ""})
        with schema_context(unit.schema_name):
            officer.refresh_from_db()
            asset_bulk_register(actor=officer, records=records)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")

    def page_of(qs, size):
        page = Paginator(qs, size).get_page(2)
        return [(a.number, a.custodian.name if a.custodian_id else "") for a in page.object_list], page.paginator.count

    results = []
    n = 0
    for size_target in (1000, args.assets):
        register(n, size_target)
        n = size_target
        with schema_context(unit.schema_name):
            total = Asset.objects.count()
            for reader in readers:
                # One user object per reader, as in a request after the middleware: its role and
                # permission caches are loaded once, so what is timed is the list itself.
                user = User.objects.get(pk=users[reader].pk)
                for per_page in (20, 100):
                    def filtered(_i, user=user, per_page=per_page):
                        return page_of(selectors.asset_list(user=user), per_page)

                    def unfiltered(_i, per_page=per_page):
                        return page_of(Asset.objects.select_related("custodian").order_by("number"), per_page)

                    filtered(0)
                    unfiltered(0)
                    with CaptureQueriesContext(connection) as q:
                        rows, count = filtered(0)
                    tf = median(timed(filtered, args.repeat))
                    tu = median(timed(unfiltered, args.repeat))
                    results.append(("selector", total, reader, per_page, len(q), count, tf, tu))
        if args.explain:
            with schema_context(unit.schema_name):
                qs = selectors.asset_list(user=User.objects.get(pk=custodian.pk))
                page = qs[20:40]
                print(str(page.query))
                print(page.explain(analyze=True))
        view_times = {}
        for reader in readers:
            client = Client(HTTP_HOST=host)
            client.force_login(users[reader])
            url = "/m/assets/?page=2"  # the unit portal mounts modules under /m/<key>/
            assert client.get(url).status_code == 200
            with QueryCounter(connection) as q:
                r = client.get(url)
            assert r.status_code == 200, r.status_code
            view_times[reader] = median(timed(lambda _i, client=client, url=url: client.get(url), args.repeat))
            connection.set_schema_to_public()
            results.append(("view", total, reader, 25, len(q), None, view_times[reader], None))
        # The officer's page is the same list through the same view without a permission filter.
        results[:] = [r if r[0] != "view" or r[1] != total else (*r[:7], view_times["officer"]) for r in results]

    print(f"unit asset list: custodian holds {args.held} cards by custody; data sizes 1,000 and {args.assets:,}")
    print(f"{'what':9} {'cards':>7} {'reader':16} {'page':>4} {'queries':>7} {'visible':>7} "
          f"{'filtered ms':>11} {'unfiltered ms':>13} {'ratio':>6}")
    for what, total, reader, per_page, queries, count, tf, tu in results:
        ratio = f"{tf / tu:.2f}" if tu else ""
        print(f"{what:9} {total:7,} {reader:16} {per_page:4} {queries:7} {count if count is not None else '':>7} "
              f"{tf * 1000:11.2f} {tu * 1000 if tu else float('nan'):13.2f} {ratio:>6}")
    for what in ("selector", "view"):
        counts = {(r[2]): set() for r in results if r[0] == what}
        for r in results:
            if r[0] == what:
                counts[r[2]].add(r[4])
        print(f"{what}: queries per reader over page sizes and data sizes: "
              + ", ".join(f"{k} {sorted(v)}" for k, v in counts.items())
              + ("  (constant)" if all(len(v) == 1 for v in counts.values()) else "  (NOT constant)"))
    for what, label in (("view", "the list page (view, what a person waits for)"),
                        ("selector", "the selector alone (count + page queries)")):
        worst = max(r[6] / r[7] for r in results if r[0] == what and r[7])
        print(f"worst filtered/unfiltered ratio, {label}: {worst:.2f}x (target ≤ 1.3x)")


if __name__ == "__main__":
    main()
