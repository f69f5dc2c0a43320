"""Test-only Celery tasks, loaded by the test worker through CELERY_IMPORTS
(settings/test.py). They write into tables the test creates in a scratch unit's schema,
so a task that ran in the wrong unit fails loudly (no such table) instead of passing.
"""
from __future__ import annotations

import os
import time

from django.db import connection, transaction

from zhengtong.celery import app


@app.task(name="tests.probe.record_effect_once")
def record_effect_once(key: str, hold_before_effect: float = 0, hold_after_effect: float = 0) -> None:
    """An idempotent task: its effect is keyed by ``key``, so running it again (after a
    worker died before acknowledging it) finds the effect done and adds nothing.

    Every run is logged first, committed at once, with the pool process's pid: the test
    kills that process. Only the first run holds (before or after its effect), to give
    the test the time to kill it; the re-run goes straight through. ``probe_naive``
    counts runs that reached the effect, as a task without the key would have acted.
    """
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM probe_run WHERE key = %s", [key])
        first_run = cur.fetchone()[0] == 0
        cur.execute("INSERT INTO probe_run (key, pid, schema_name) VALUES (%s, %s, current_schema())",
                    [key, os.getpid()])
    if first_run:
        time.sleep(hold_before_effect)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO probe_effect (key) VALUES (%s) ON CONFLICT (key) DO NOTHING", [key])
        cur.execute("INSERT INTO probe_naive (key, n) VALUES (%s, 1)"
                    " ON CONFLICT (key) DO UPDATE SET n = probe_naive.n + 1", [key])
    if first_run:
        time.sleep(hold_after_effect)
