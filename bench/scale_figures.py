"""The figures of bench/scale.py beyond onboarding (issue 12, items 2-4): a no-op deploy, pages at
unit #N and for a member of N units, a web worker's memory over N unit hosts, the beat tick, and
bulk onboarding from one spreadsheet. Each returns its figure and the baseline it is compared with,
measured in the same run (the baselines say how they were taken)."""
from __future__ import annotations

import io
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def noop_migrate(sample: int = 10) -> tuple[float, float, str]:
    """A deploy with nothing to apply, and what visiting every schema would cost (the old way:
    migrate + role sync in each schema; timed on ``sample`` schemas, scaled to all of them)."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from tenants.management.commands.migrate_platform import unit_schemas
    from zhengtong.accounts.roles import sync_roles
    from zhengtong.registry.registry import unit_roles

    call_command("migrate_platform", verbosity=0, stdout=io.StringIO())  # whatever set-up left to do
    t = time.perf_counter()
    call_command("migrate_platform", verbosity=0, stdout=io.StringIO())
    noop = time.perf_counter() - t
    schemas = unit_schemas()
    picked = schemas[:: max(1, len(schemas) // sample)][:sample]
    t = time.perf_counter()
    for schema in picked:
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
        with schema_context(schema):
            sync_roles(unit_roles())
    per_schema = (time.perf_counter() - t) / len(picked)
    connection.set_schema_to_public()
    return noop, per_schema * len(schemas), f"{per_schema:.3f} s per schema on {len(picked)} schemas x {len(schemas)}"


def _member(unit, email: str):
    from django_tenants.utils import schema_context

    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    with schema_context("public"):
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password="Zt-bench-Passw0rd-1", name="测量用户")
    member_roles_set(unit=unit, user=user, role_keys=[], actor=None,
                     enforce_grantor=False)
    return user


def _page_medians(a: tuple, b: tuple, path: str = "/", n: int = 50) -> tuple[float, float]:
    """Median of ``n`` logged-in requests to each of two pages, ``a`` and ``b`` = (user, host).

    The requests alternate (a, b, a, b, ...): on a shared machine the load drifts, and timing all
    of one page and then all of the other charged that drift to whichever came second (a run at
    1,000 units measured 1.26 that way)."""
    from django.db import connection
    from django.test import Client

    clients = []
    for user, host in (a, b):
        client = Client(HTTP_HOST=host)
        client.force_login(user)
        for _ in range(3):  # warm: caches, prepared connection
            assert client.get(path).status_code == 200
        clients.append(client)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for client, out in zip(clients, times, strict=True):
            t = time.perf_counter()
            r = client.get(path)
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, r.status_code
    connection.set_schema_to_public()
    return statistics.median(times[0]), statistics.median(times[1])


def page_ratio(units) -> tuple[float, float]:
    """Median of 50 logged-in requests to a unit page at unit #10 and at unit #N (the last)."""
    from tenants.models import UnitModule

    early, late = units[9], units[-1]
    # The same page on both: the same modules switched on (filler units have none, onboarded
    # ones have assets), or the comparison would be of two different pages.
    wanted = set(UnitModule.objects.filter(unit=late, enabled=True).values_list("module_key", flat=True))
    UnitModule.objects.filter(unit=early).exclude(module_key__in=wanted).delete()
    for key in wanted:
        UnitModule.objects.update_or_create(unit=early, module_key=key, defaults={"enabled": True})
    user = _member(early, "page-early@bench.cn")
    _member(late, "page-early@bench.cn")
    return _page_medians((user, early.primary_host), (user, late.primary_host))


def member_ratio(units) -> tuple[float, float]:
    """The same page for a member of one unit and for a member of every unit. FILLER (labelled):
    the many-unit member's other memberships are the public membership rows only (the switcher
    and the "my units" page read those); the unit whose page is timed is a real membership."""
    home = units[9]
    one = _member(home, "member-one@bench.cn")
    many = _member(home, "member-many@bench.cn")
    many.tenants.add(*[u for u in units if u.pk != home.pk])
    return _page_medians((one, home.primary_host), (many, home.primary_host))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_rss_growth(hosts: list[str], warm: int = 10) -> tuple[float, float]:
    """RSS of one gunicorn sync worker after serving ``warm`` unit hosts and after all of them
    (each host's sign-in page: tenant lookup, middleware, a rendered template). MB."""
    import http.client

    import psutil

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
           "DJANGO_SETTINGS_MODULE": "zhengtong.settings.dev"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "zhengtong.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level",
                             "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def get(host: str, path: str) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path, headers={"Host": host})
                response = conn.getresponse()
                response.read()
                return response.status
            finally:
                conn.close()

        deadline = time.monotonic() + 60
        while True:
            try:
                get(hosts[0], "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

        def serve(some):
            for host in some:
                status = get(host, "/accounts/login/")
                assert status == 200, (host, status)

        def worker_rss() -> float:
            [child] = psutil.Process(proc.pid).children()
            return child.memory_info().rss / 2**20

        serve(hosts[:warm] * 3)
        after_warm = worker_rss()
        serve(hosts)
        return after_warm, worker_rss()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def beat_tick() -> tuple[float, float, int]:
    """One beat tick over every unit with every job due (claims; the messages are collected, not
    sent), and the same claims made the way they were before: one transaction per unit and job."""
    from django.db import transaction
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tenants.models import Unit, UnitModule
    from zhengtong.notifications.models import PeriodicRun
    from zhengtong.notifications.periodic import periodic_tick, unit_jobs

    sent: list = []
    start = timezone.now() + timedelta(days=1)
    periodic_tick(now=start, send=lambda task, schema: sent.append(task))  # first claims insert rows
    sent.clear()
    t = time.perf_counter()
    periodic_tick(now=start + timedelta(days=1), send=lambda task, schema: sent.append(task))
    tick = time.perf_counter() - t

    def old_claim(job, schema, now) -> bool:  # the per-(job, unit) claim this replaced
        with transaction.atomic():
            run, created = PeriodicRun.objects.select_for_update().get_or_create(
                job=job.task, schema_name=schema, defaults={"last_sent_at": now})
            if created:
                return True
            if now - run.last_sent_at < timedelta(seconds=job.every_seconds) - timedelta(seconds=5):
                return False
            run.last_sent_at = now
            run.save(update_fields=["last_sent_at"])
            return True

    now = start + timedelta(days=2)
    t = time.perf_counter()
    with schema_context("public"):
        units = list(Unit.objects.exclude(schema_name="public").filter(status=Unit.Status.ACTIVE)
                     .values_list("pk", "schema_name"))
        enabled: dict[int, set[str]] = {}
        for unit_id, key in UnitModule.objects.filter(enabled=True).values_list("unit_id", "module_key"):
            enabled.setdefault(unit_id, set()).add(key)
        for job in unit_jobs():
            for unit_id, schema in units:
                if job.module_key and job.module_key not in enabled.get(unit_id, set()):
                    continue
                old_claim(job, schema, now)
    old = time.perf_counter() - t
    return tick, old, len(sent)


def bulk_onboard(count: int, tag: str = "bulk") -> tuple[float, int]:
    """``count`` units from one spreadsheet: validated, queued, then created one transaction each
    by ``bulk_job_run`` — the function the Celery task runs — here in this process."""
    import openpyxl

    from tenants.bulk import bulk_job_progress, bulk_job_run, units_bulk_onboard
    from zhengtong.accounts.models import User

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "简称", "统一社会信用代码", "类型", "启用模块", "管理员邮箱"])
    for i in range(count):
        ws.append([f"批量单位{i:04d}", f"{tag}{i:04d}", "", "学校" if i % 3 else "局", "assets", ""])
    buf = io.BytesIO()
    wb.save(buf)
    operator = User.objects.filter(email="operator-bench@bench.cn").first()
    if operator is None:
        from tenants.models import Unit
        from zhengtong.accounts.services import member_roles_set

        operator = User.objects.create_user(email="operator-bench@bench.cn", password="Zt-bench-Passw0rd-1",
                                            name="测量操作员")
        member_roles_set(unit=Unit.objects.get(schema_name="public"), user=operator,
                         role_keys=["district.operator"], actor=None, enforce_grantor=False)
    t = time.perf_counter()
    result = units_bulk_onboard(filename="units.xlsx", data=buf.getvalue(), actor=operator)
    assert not result.errors, result.errors[:3]
    bulk_job_run(result.job.pk)
    took = time.perf_counter() - t
    return took, bulk_job_progress(result.job).created


def bulk_recorded() -> tuple[float, int]:
    """The last finished bulk job of a kept database: (its wall time from the operator's upload
    to its last unit, units it created), as the job recorded them (tenants/bulk.py)."""
    from tenants.bulk import bulk_job_progress
    from tenants.models import BulkOnboarding

    job = BulkOnboarding.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    if job is None:
        return 0.0, 0
    return (job.finished_at - job.created_at).total_seconds(), bulk_job_progress(job).created


# A real new migration, written for the run into an app every unit schema has and removed
# afterwards: it changes nothing (RunPython no-op), so what it costs in each schema is exactly a
# migrate run's per-schema overhead, which any real migration adds to its own SQL. (The run used
# to forget an old SQL-free migration instead; that breaks as soon as a later migration of the
# app depends on it.)
NEW_MIGRATION_APP, NEW_MIGRATION_NAME = "assets_stocktake", "0999_bench_new_migration"


def new_migration(processes: int | None = None) -> tuple[float, int]:
    """Add NEW_MIGRATION to the code, then deploy: every schema (units, pool, template) is behind
    and is migrated by migrate_platform in parallel processes. Returns (seconds, unit schemas)."""
    import importlib

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from tenants.management.commands.migrate_platform import unit_schemas

    schemas = unit_schemas()
    app = NEW_MIGRATION_APP
    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app)
    package = importlib.import_module(MigrationLoader.migrations_module(app)[0])
    path = Path(package.__file__).with_name(f"{NEW_MIGRATION_NAME}.py")
    path.write_text("from django.db import migrations\n\n\n"
                    "class Migration(migrations.Migration):  # bench/scale_figures.py, removed after the run\n"
                    f"    dependencies = [{leaf!r}]\n"
                    "    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]\n")
    try:
        out = io.StringIO()
        t = time.perf_counter()
        call_command("migrate_platform", verbosity=0, processes=processes, stdout=out)
        took = time.perf_counter() - t
    finally:
        path.unlink()
        with connection.cursor() as cur:  # forget it everywhere, so the kept database matches the code again
            cur.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'django_migrations'")
            for (schema,) in cur.fetchall():
                cur.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                            [app, NEW_MIGRATION_NAME])
    report = out.getvalue()
    assert "all at the template's state" in report, report
    return took, len(schemas)
