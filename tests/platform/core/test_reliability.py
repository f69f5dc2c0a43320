"""Failures lose nothing: concurrent edits of one asset card, and connections on
different units' schemas never see each other's rows.

These tests need *committed* data seen by several connections at once, so they do not
use the per-test transaction (``db``): they onboard a scratch unit of their own, commit
into it, and drop it afterwards (the session's alpha/beta stay untouched).
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from tests.support.committed import committed_asset, scratch_unit

OFFICER = "assets.asset_officer"


def in_thread(fn, *args):
    """Run ``fn`` in a thread with its own database connection; returns (thread, result box)."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["error"] = exc
        finally:
            connection.close()  # this thread's connection

    t = threading.Thread(target=run)
    t.start()
    return t, box


def backend_waits_for_lock(pid: int) -> bool:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cur.fetchone()
    return bool(row) and row[0] == "Lock"


# ------------------------------------------------------------------ optimistic locking
def test_second_of_two_concurrent_saves_is_refused_not_lost(django_db_setup, django_db_blocker):
    """Two transactions on their own connections save the same card, both having opened
    it at version 1. The second waits on the row lock while the first is still open,
    then is refused with the conflict instead of overwriting the first one's change."""
    from modules.assets.models import Asset
    from modules.assets.services import AssetChangedElsewhere, asset_update
    from zhengtong.audit.models import AuditEvent

    with scratch_unit(django_db_blocker) as unit:
        alice, bob = unit.member([OFFICER], "王会计"), unit.member([OFFICER], "李专管")
        asset = committed_asset(unit)
        first_saved, release_first = threading.Event(), threading.Event()
        pids = {}

        def first():
            from django.db import transaction

            connection.set_tenant(unit)
            with transaction.atomic():
                pids["first"] = connection.connection.info.backend_pid
                asset_update(actor=alice, asset=asset, expected_version=1, location="三楼档案室")
                first_saved.set()
                release_first.wait(20)  # still open: the row stays locked
            return "saved"

        def second():
            connection.set_tenant(unit)
            pids["second"] = connection.cursor().connection.info.backend_pid
            return asset_update(actor=bob, asset=asset, expected_version=1, location="一楼大厅")

        t1, r1 = in_thread(first)
        assert first_saved.wait(20)
        t2, r2 = in_thread(second)
        deadline = time.monotonic() + 10
        while "second" not in pids or not backend_waits_for_lock(pids["second"]):
            assert time.monotonic() < deadline, "the second save never waited for the first"
            time.sleep(0.05)
        release_first.set()
        t1.join(20)
        t2.join(20)
        assert r1 == {"value": "saved"}
        assert isinstance(r2.get("error"), AssetChangedElsewhere), r2
        assert r2["error"].current.location == "三楼档案室" and r2["error"].current.version == 2
        with schema_context(unit.schema_name):
            saved = Asset.objects.get(pk=asset.pk)
            updates = AuditEvent.objects.filter(action="assets.asset.update", object_id=str(asset.pk)).count()
        assert (saved.location, saved.version, updates) == ("三楼档案室", 2, 1)


def _version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def _form(asset, **changes):
    data = {"name": asset.name, "category": "", "spec": "", "original_value": str(asset.original_value),
            "acquired_on": asset.acquired_on.isoformat(), "department": "", "location": ""}
    data.update(changes)
    return data


def test_two_people_save_the_edit_form_at_once(django_db_setup, django_db_blocker):
    """Through the web form: both open the card, both press Save at the same moment. One
    save lands; the other sees 已被他人修改 with the saved values and keeps their input."""
    from modules.assets.models import Asset

    with scratch_unit(django_db_blocker) as unit:
        host = unit.primary_host
        people = [unit.member([OFFICER], "王会计"), unit.member([OFFICER], "李专管")]
        asset = committed_asset(unit)
        clients = []
        for person in people:
            c = Client(HTTP_HOST=host)
            c.force_login(person)
            page = c.get(f"/m/assets/{asset.pk}/edit/")
            assert page.status_code == 200 and _version_in(page.content.decode()) == "1"
            clients.append(c)
        start = threading.Barrier(2)

        def save(c, location):
            start.wait(10)
            return c.post(f"/m/assets/{asset.pk}/edit/", _form(asset, location=location, version="1"))

        threads = [in_thread(save, c, loc) for c, loc in zip(clients, ["三楼档案室", "一楼大厅"], strict=True)]
        for t, _ in threads:
            t.join(30)
        responses = [box["value"] for _, box in threads]
        assert sorted(r.status_code for r in responses) == [200, 302]
        winner = ["三楼档案室", "一楼大厅"][[r.status_code for r in responses].index(302)]
        loser = next(r for r in responses if r.status_code == 200)
        html = loser.content.decode()
        assert "已被他人修改" in html
        assert winner in html  # the saved value is shown to the one who lost the race
        assert _version_in(html) == "2"  # saving again now is a deliberate overwrite
        with schema_context(unit.schema_name):
            saved = Asset.objects.get(pk=asset.pk)
        assert (saved.location, saved.version) == (winner, 2)
        # English speakers read it too
        c = clients[0]
        c.cookies["django_language"] = "en"
        r = c.post(f"/m/assets/{asset.pk}/edit/", _form(asset, location="x", version="1"))
        assert "changed by someone else" in r.content.decode()


# ------------------------------------------------------------------ schemas stay apart
def test_interleaved_connections_on_two_units_see_only_their_own_rows(django_db_setup, django_db_blocker):
    """What session-mode pooling guarantees: each connection keeps its own search_path,
    so two connections working in turns on two units (objects with the same ids) each
    read and write only their own unit's rows."""
    from modules.assets.models import Asset

    with scratch_unit(django_db_blocker, prefix="pga") as a, scratch_unit(django_db_blocker, prefix="pgb") as b:
        committed_asset(a, pk=501, name="甲的电脑")
        committed_asset(b, pk=501, name="乙的电脑")
        turn = [threading.Semaphore(1), threading.Semaphore(0)]
        seen = {a.schema_name: [], b.schema_name: []}

        def worker(unit, me, other):
            connection.set_tenant(unit)
            for i in range(5):
                turn[me].acquire()
                seen[unit.schema_name].append(Asset.objects.get(pk=501).name)
                Asset.objects.filter(pk=501).update(location=f"{unit.schema_name}-{i}")
                seen[unit.schema_name].append(Asset.objects.get(pk=501).location)
                turn[other].release()

        threads = [in_thread(worker, a, 0, 1), in_thread(worker, b, 1, 0)]
        for t, box in threads:
            t.join(30)
            assert "error" not in box, box
        assert seen[a.schema_name] == sum((["甲的电脑", f"{a.schema_name}-{i}"] for i in range(5)), [])
        assert seen[b.schema_name] == sum((["乙的电脑", f"{b.schema_name}-{i}"] for i in range(5)), [])


def test_search_path_is_session_state_which_transaction_pooling_would_hand_on(django_db_setup, django_db_blocker):
    """Why PgBouncer must run in session mode (deploy/pgbouncer.md). A transaction-mode
    pooler gives each *transaction* any server connection. django-tenants sets the
    unit with a session-level ``SET search_path`` that stays on the server connection
    after the client's transaction ends; the next client handed that connection (whose
    own SET went to another server connection) then reads the first client's unit.
    Simulated here with one server connection used by two clients in turn."""
    with scratch_unit(django_db_blocker, prefix="pga") as a, scratch_unit(django_db_blocker, prefix="pgb") as b:
        committed_asset(a, pk=601, name="甲的电脑")
        committed_asset(b, pk=601, name="乙的电脑")
        s = connection.settings_dict
        with psycopg.connect(host=s["HOST"], port=s["PORT"] or None, user=s["USER"], password=s["PASSWORD"],
                             dbname=s["NAME"], autocommit=True) as server_conn:
            # client A's transaction: sets its unit, reads, commits
            with server_conn.transaction():
                server_conn.execute(f"SET search_path = {a.schema_name}, public")
                assert server_conn.execute("SELECT name FROM assets_asset WHERE id = 601").fetchone()[0] == "甲的电脑"
            # client B's next statement lands on the same server connection without its SET
            leaked = server_conn.execute("SELECT name FROM assets_asset WHERE id = 601").fetchone()[0]
            assert leaked == "甲的电脑"  # B asked for its asset 601 and got A's: the failure session mode avoids
            # SET LOCAL would not outlive the transaction, but django-tenants 4.0.1 issues plain SET
            with server_conn.transaction():
                server_conn.execute(f"SET LOCAL search_path = {b.schema_name}, public")
            assert server_conn.execute("SHOW search_path").fetchone()[0].startswith(a.schema_name)


# ------------------------------------------------------------------ a real PgBouncer, when installed
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_pgbouncer(pool_mode: str, pool_size: int):
    import os
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if binary is None:
        # deploy/test.sh (the README's test command, ZT_WITH_BROWSER=1) installs pgbouncer: there
        # the proof cited in deploy/pgbouncer.md must run, so a missing binary is a failure.
        if os.environ.get("ZT_WITH_BROWSER") == "1":
            pytest.fail("pgbouncer is not installed although deploy/test.sh installs it (Debian package pgbouncer)")
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer); the simulation above still runs")
    s = connection.settings_dict
    port = _free_port()
    # pgbouncer refuses to run as root. The embedded server listens only on a Unix socket in its
    # data folder, which is private to the folder's owner (pgserver): run pgbouncer as that owner
    # so it can reach the socket; against a TCP server (DATABASE_URL) any user will do.
    run_as = []
    if os.geteuid() == 0:
        socket_dir = Path(s["HOST"] or "/nonexistent")
        owner = "nobody"
        if socket_dir.is_absolute() and socket_dir.is_dir():
            import pwd

            owner = pwd.getpwuid(socket_dir.stat().st_uid).pw_name
        run_as = ["-u", owner]
    folder = Path(tempfile.mkdtemp(prefix="zt-pgbouncer-"))
    folder.chmod(0o777)
    ini = folder / f"pgbouncer-{pool_mode}.ini"
    ini.write_text(f"""[databases]
zt = host={s['HOST']} port={s['PORT'] or 5432} dbname={s['NAME']} user={s['USER']}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = {pool_mode}
default_pool_size = {pool_size}
max_client_conn = 20
logfile = {folder}/pgbouncer-{pool_mode}.log
pidfile = {folder}/pgbouncer-{pool_mode}.pid
""")
    proc = subprocess.Popen([binary, str(ini), *run_as],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                psycopg.connect(host="127.0.0.1", port=port, dbname="zt", user=s["USER"], connect_timeout=1).close()
                break
            except psycopg.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    # Installed but not serving: a broken proof, never a silent skip.
                    log = folder / f"pgbouncer-{pool_mode}.log"
                    pytest.fail(f"pgbouncer did not serve: {log.read_text()[-800:] if log.exists() else 'no log'}")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _two_clients_set_their_units(port, a, b):
    """Each client sets its unit the way django-tenants does (a session-level SET, in its
    own autocommit transaction), then reads its asset 701."""
    s = connection.settings_dict
    with psycopg.connect(host="127.0.0.1", port=port, dbname="zt", user=s["USER"], autocommit=True) as c1, \
            psycopg.connect(host="127.0.0.1", port=port, dbname="zt", user=s["USER"], autocommit=True) as c2:
        c1.execute(f"SET search_path = {a.schema_name}, public")
        c2.execute(f"SET search_path = {b.schema_name}, public")
        read = "SELECT name FROM assets_asset WHERE id = 701"
        return c1.execute(read).fetchone()[0], c2.execute(read).fetchone()[0]


def test_real_pgbouncer_transaction_mode_mixes_units_and_session_mode_does_not(django_db_setup, django_db_blocker):
    with scratch_unit(django_db_blocker, prefix="pga") as a, scratch_unit(django_db_blocker, prefix="pgb") as b:
        committed_asset(a, pk=701, name="甲的电脑")
        committed_asset(b, pk=701, name="乙的电脑")
        with running_pgbouncer("transaction", 1) as port:
            # one server connection: the last SET wins for both clients; unit A's client
            # asks for its asset 701 and silently gets unit B's
            assert _two_clients_set_their_units(port, a, b) == ("乙的电脑", "乙的电脑")
        with running_pgbouncer("session", 2) as port:
            assert _two_clients_set_their_units(port, a, b) == ("甲的电脑", "乙的电脑")
