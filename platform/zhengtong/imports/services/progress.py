"""Showing that an import is alive and how far it got, from inside its transaction."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import connection
from django.utils import timezone

from ..models import ImportJob, stale_after

log = logging.getLogger("zhengtong.imports.services")


class Progress:
    """Reports progress on the job row while the import runs.

    Outside a transaction a plain UPDATE is visible at once. Inside the import's
    transaction it would not be (and would lock the row), so progress goes through a
    second, autocommit connection that names the unit's schema explicitly — never via
    search_path, which that connection does not share with Django's.
    """

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.schema = connection.schema_name
        self._side = None
        self._last = 0.0

    def __call__(self, *, phase: str, percent: int, force: bool = False, **fields: int) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        values = {"phase": phase, "progress": max(0, min(100, int(percent))), "heartbeat_at": timezone.now(),
                  **fields}
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(**values)
            return
        try:
            self._side_update(values)
        except Exception:  # progress is a courtesy; never fail the import for it
            log.warning("import progress update failed", exc_info=True)

    def _side_update(self, values: dict[str, Any]) -> None:
        if self._side is None:
            self._side = _side_connection()
        _side_job_update(self._side, self.schema, self.job_id, values)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _side_connection():
    """An autocommit connection of its own, to the same database as Django's."""
    import psycopg

    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"], "host": s["HOST"],
              "port": s["PORT"]}
    # lock_timeout: the import's own transaction holds the job row once it records its
    # outcome; waiting for it here would wait on our own import, so the update is skipped.
    return psycopg.connect(autocommit=True, options="-c lock_timeout=200", **{k: v for k, v in params.items() if v})


def _side_job_update(side, schema: str, job_id: int, values: dict[str, Any]) -> None:
    from psycopg import sql

    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values)
    side.execute(
        sql.SQL("UPDATE {}.{} SET {} WHERE id = %s AND status = %s").format(
            sql.Identifier(schema), sql.Identifier(ImportJob._meta.db_table), assignments),
        [*values.values(), job_id, ImportJob.Status.RUNNING],
    )


class _Heartbeat:
    """Shows that the run is alive: a thread beats the job's heartbeat every quarter of
    the stale limit, however long a batch or a wait on a lock takes. When the process
    dies (a SIGKILL, the OOM killer) the beats stop, the job counts as stuck after the
    limit, and a redelivered task or the person's retry may claim it again; the killed
    run's transaction died with its connection, so nothing of it was written."""

    def __init__(self, job: ImportJob):
        self.job_id, self.schema = job.pk, connection.schema_name
        self.interval = max(0.2, stale_after().total_seconds() / 4)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="import-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        side = None
        while not self.stopped.wait(self.interval):
            try:
                side = side or _side_connection()
                _side_job_update(side, self.schema, self.job_id, {"heartbeat_at": timezone.now()})
            except Exception:  # a skipped beat (lock timeout, lost connection): try again next time
                log.warning("import heartbeat failed", exc_info=True)
                if side is not None and side.closed:
                    side = None
        if side is not None:
            side.close()
