"""A real Celery worker loses its pool process mid-task (SIGKILL, as the kernel's OOM
killer would): the task runs again and its effect happens exactly once, in the unit it
was sent from, although the worker's previous task was for another unit.

Why this works (settings/base.py): ``task_acks_late`` acknowledges a message only after
the task returns, and ``task_reject_on_worker_lost`` makes the worker's main process,
which notices the dead pool process, reject the message with requeue instead of acking
it. The task itself must be idempotent, because a re-run can follow an effect that was
already committed (kill after the effect, before the ack).

Transports (found out by these tests and kombu's source):
- filesystem:// (the default without a broker server) redelivers in this case: the
  unacknowledged message is held by the main process, which puts it back in the queue
  folder on reject. It cannot survive the death of the *main* process, though: the file
  is deleted from the queue folder when the message is fetched, so a SIGKILL of the
  whole worker loses it (a warm shutdown does put unacked messages back). Production
  should use Redis or RabbitMQ.
- redis:// keeps unacked messages in Redis as well, and is tested here when a server
  answers on 127.0.0.1:6379 (skipped with the reason otherwise).
"""
from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.committed import scratch_unit, wait_for
from tests.support.worker import running_worker

REDIS_URL = os.environ.get("ZT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TASK = "tests.probe.record_effect_once"

PROBE_TABLES = """
CREATE TABLE probe_run (id bigserial PRIMARY KEY, key text NOT NULL, pid int NOT NULL,
                        schema_name text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE probe_effect (key text PRIMARY KEY);
CREATE TABLE probe_naive (key text PRIMARY KEY, n int NOT NULL);
"""


def redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no Redis server at {REDIS_URL} ({exc.__class__.__name__}: {exc})")


def query(schema: str, sql: str, params=()):
    with schema_context(schema), connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.mark.worker
@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_pool_process_killed_mid_task_then_task_reruns_and_effect_happens_once(
        broker, django_db_setup, django_db_blocker):
    from kombu import Connection

    from zhengtong.celery import app

    # A queue of its own: other test runs on this machine may share the Redis server.
    queue = f"zt-test-{uuid.uuid4().hex[:12]}"
    extra_env, send_options = {"ZT_CELERY_QUEUE": queue}, {"queue": queue}
    if broker == "redis":
        redis_or_skip()
        extra_env["CELERY_BROKER_URL"] = REDIS_URL
    with scratch_unit(django_db_blocker, prefix="wka") as unit_a, \
            scratch_unit(django_db_blocker, prefix="wkb") as unit_b:
        for unit in (unit_a, unit_b):
            with schema_context(unit.schema_name), connection.cursor() as cur:
                cur.execute(PROBE_TABLES)
        broker_conn = Connection(REDIS_URL) if broker == "redis" else None
        if broker_conn is not None:
            send_options["connection"] = broker_conn

        def send(unit, key, **holds):
            with schema_context(unit.schema_name):  # tenant-schemas-celery stamps the schema
                app.send_task(TASK, args=[key], kwargs=holds, **send_options)

        def runs(unit, key):
            return query(unit.schema_name, "SELECT pid, schema_name FROM probe_run WHERE key = %s ORDER BY id", [key])

        def effects(unit, key):
            return query(unit.schema_name, "SELECT count(*) FROM probe_effect WHERE key = %s", [key])[0][0]

        def naive(unit, key):
            rows = query(unit.schema_name, "SELECT n FROM probe_naive WHERE key = %s", [key])
            return rows[0][0] if rows else 0

        try:
            with running_worker(concurrency=1, extra_env=extra_env) as (proc, log):
                # The worker's last task before ours is for unit B.
                warm = f"b-{uuid.uuid4().hex[:6]}"
                send(unit_b, warm)
                wait_for("unit B's task", lambda: effects(unit_b, warm))

                # 1. Killed after its effect was committed, before the acknowledgement.
                after = f"after-{uuid.uuid4().hex[:6]}"
                send(unit_a, after, hold_after_effect=60)
                wait_for("the first run's effect", lambda: effects(unit_a, after))
                [(pid, _)] = runs(unit_a, after)
                assert pid != proc.pid  # the pool process, not the worker's main process
                os.kill(pid, signal.SIGKILL)
                wait_for("the re-run", lambda: naive(unit_a, after) == 2)
                assert effects(unit_a, after) == 1  # the idempotent effect: exactly once
                second = runs(unit_a, after)
                assert len(second) == 2 and second[1][0] != pid  # a new pool process ran it again
                assert {s for _, s in second} == {unit_a.schema_name}

                # 2. Killed before its effect: the re-run does it, once.
                before = f"before-{uuid.uuid4().hex[:6]}"
                send(unit_a, before, hold_before_effect=60)
                [(pid, _)] = wait_for("the first run", lambda: runs(unit_a, before))
                time.sleep(0.3)
                assert effects(unit_a, before) == 0
                os.kill(pid, signal.SIGKILL)
                wait_for("the re-run's effect", lambda: effects(unit_a, before))
                assert effects(unit_a, before) == 1 and naive(unit_a, before) == 1
                assert len(runs(unit_a, before)) == 2

                # Nothing ran in the wrong unit, and the worker survived both kills.
                assert query(unit_b.schema_name, "SELECT count(*) FROM probe_run WHERE key <> %s", [warm]) == [(0,)]
                assert proc.poll() is None
                text = log.read_text(errors="replace")
                assert "SIGKILL" in text or "WorkerLostError" in text
        finally:
            if broker_conn is not None:
                broker_conn.release()
            connection.set_schema_to_public()
