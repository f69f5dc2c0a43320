"""An import whose worker dies is not left "running" for ever: a real Celery worker is
killed with SIGKILL in the middle of an import (as the OOM killer would), and

* when only its pool process dies, the message comes back (acks_late +
  reject_on_worker_lost), waits until the dead run's heartbeat is stale, takes the job
  over and imports the file exactly once;
* when the whole worker dies (the filesystem broker loses the message with it), the job
  page says the import stopped and offers to start it again, which imports it once.

Either way nothing of the killed run was written: it had inserted rows in its
transaction, which died with its connection. The worker is held at a known point by
holding the advisory lock the asset numbering takes (after the file's numbered cards
were inserted, before the others are numbered).
"""
from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass

import psutil
import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.asset_imports import row, xlsx
from tests.support.committed import scratch_unit, wait_for
from tests.support.worker import running_worker
from tests.support.worker import test_database_url as database_url

ROWS = 400
STALE_AFTER = 3  # seconds without a heartbeat: stuck
WORKER_ENV = {"ZT_IMPORTS_STALE_AFTER": str(STALE_AFTER)}  # the worker's stale limit, as the test's
# Workers are given 180 s to start (ready_timeout): on a busy machine it may take over a minute.


@pytest.fixture
def quick_stale(settings):
    settings.IMPORTS_STALE_AFTER = STALE_AFTER
    settings.IMPORTS_INLINE_MAX_BYTES = 1024  # the file goes to the worker


def cards_file() -> bytes:
    # Half the rows carry a number (inserted as the file is read), half are numbered at the end.
    return xlsx([row(f"K-{i:05d}" if i % 2 else None, f"资产{i}", value=f"{i}.50") for i in range(ROWS)])


def numbering_lock(unit):
    """Hold what ``next_asset_number`` waits for, on a connection of the test's own."""
    held = psycopg.connect(database_url(), autocommit=True)
    held.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"{unit.schema_name}.asset_number"])
    return held


def waiting_on_numbering() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
        return cur.fetchone()[0] == 1


def job_of(unit):
    from zhengtong.imports.models import ImportJob

    with schema_context(unit.schema_name):
        return ImportJob.objects.get()


def cards(unit) -> int:
    from modules.assets.models import Asset

    with schema_context(unit.schema_name):
        return Asset.objects.count()


def upload(client) -> str:
    r = client.post("/imports/assets.asset/", {"file": SimpleUploadedFile("卡片.xlsx", cards_file())})
    assert r.status_code == 302
    return r["Location"]


@dataclass
class Stalled:
    unit: object
    client: object
    held: object  # the numbering lock's connection
    worker: object
    log: object
    job_url: str


@contextmanager
def import_waiting_on_numbering(django_db_blocker, client_for, prefix: str):
    """A unit of its own; its officer's upload running in a real worker, held at the numbering
    with the file's numbered cards inserted (uncommitted)."""
    with scratch_unit(django_db_blocker, prefix=prefix) as unit, django_db_blocker.unblock():
        client = client_for(unit.member(["assets.asset_officer"]), unit.primary_host)
        held = numbering_lock(unit)
        try:
            with running_worker(extra_env=WORKER_ENV, ready_timeout=180) as (proc, log):
                job_url = upload(client)
                wait_for("the import to reach the numbering", waiting_on_numbering)
                yield Stalled(unit, client, held, proc, log, job_url)
        finally:
            held.close()
            connection.set_schema_to_public()


@pytest.mark.worker
def test_pool_process_killed_mid_import_then_the_redelivered_task_takes_the_job_over_and_imports_once(
        quick_stale, django_db_setup, django_db_blocker, client_for):
    from zhengtong.audit.models import AuditEvent

    with import_waiting_on_numbering(django_db_blocker, client_for, "imk") as s:
        job = job_of(s.unit)
        assert job.status == "running" and cards(s.unit) == 0  # its inserts are not committed
        # Blocked for longer than the stale limit, the run still beats: not stuck, a retry is refused.
        time.sleep(STALE_AFTER + 1.5)
        assert not job_of(s.unit).stuck
        assert s.client.post(s.job_url + "retry/").status_code == 302
        assert job_of(s.unit).started_at == job.started_at  # the live run keeps the job
        [pool] = psutil.Process(s.worker.pid).children()
        pool.kill()
        pool.wait(10)
        assert job_of(s.unit).status == "running" and cards(s.unit) == 0  # nothing half-written
        s.held.close()  # the lock goes; the redelivered task may go on
        wait_for("the import to finish", lambda: job_of(s.unit).finished, timeout=180)
        assert s.worker.poll() is None
        job = job_of(s.unit)
        assert job.status == "done", (job.status, job.errors, s.log.read_text(errors="replace")[-3000:])
        assert job.created_count == ROWS and cards(s.unit) == ROWS  # once, not twice
        with schema_context(s.unit.schema_name):
            assert AuditEvent.objects.filter(action="imports.run", object_id=str(job.pk)).count() == 1
            assert AuditEvent.objects.filter(action="assets.asset.import").count() == 1


@pytest.mark.worker
def test_whole_worker_killed_mid_import_then_the_job_page_offers_a_retry_that_imports_once(
        quick_stale, django_db_setup, django_db_blocker, client_for):
    from zhengtong.audit.models import AuditEvent

    with import_waiting_on_numbering(django_db_blocker, client_for, "imw") as s:
        os.killpg(s.worker.pid, signal.SIGKILL)  # the main process and its pool process: the message is lost
        s.worker.wait(10)
        s.held.close()
        assert job_of(s.unit).status == "running" and cards(s.unit) == 0
        wait_for("the job to count as stuck", lambda: job_of(s.unit).stuck, timeout=60)
        page = s.client.get(s.job_url).content.decode()
        assert 'id="job-stuck"' in page and f'action="{s.job_url}retry/"' in page
        assert 'http-equiv="refresh"' not in page  # nothing to wait for
        assert s.client.get(s.job_url + "status.json").json()["stuck"] is True
        with running_worker(extra_env=WORKER_ENV, ready_timeout=180):
            assert s.client.post(s.job_url + "retry/").status_code == 302
            wait_for("the retried import to finish", lambda: job_of(s.unit).finished, timeout=180)
        job = job_of(s.unit)
        assert job.status == "done" and job.created_count == ROWS and cards(s.unit) == ROWS
        assert "job-stuck" not in s.client.get(s.job_url).content.decode()
        with schema_context(s.unit.schema_name):
            retry = AuditEvent.objects.get(action="imports.retry", object_id=str(job.pk))
            assert retry.before["status"] == "running"


def test_a_stuck_inline_import_is_offered_to_its_uploader_only_and_runs_again_in_the_request(
        quick_stale, alpha, make_user, client_for, settings):
    """A small file runs in the request; a web process killed during it leaves the same
    "running" job. Its uploader sees it stopped, in the list and on its page, and starting it
    again imports it there and then; nobody else may."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.conftest import ALPHA_HOST
    from tests.support.asset_imports import row, xlsx
    from zhengtong.imports.models import ImportJob

    settings.IMPORTS_INLINE_MAX_BYTES = 1024 * 1024
    officer = make_user(alpha, ["assets.asset_officer"])
    other = make_user(alpha, ["assets.asset_officer"])
    client = client_for(officer, ALPHA_HOST)
    r = client.post("/imports/assets.asset/", {"file": SimpleUploadedFile("小.xlsx", xlsx([row("S-1")]))})
    job_url = r["Location"]
    long_ago = timezone.now() - timedelta(seconds=STALE_AFTER + 5)
    with schema_context("u_alpha"):
        from modules.assets.models import Asset

        Asset.objects.all().delete()  # as if the killed request had written nothing
        ImportJob.objects.update(status="running", phase="reading", progress=0, heartbeat_at=long_ago,
                                 created_count=0, finished_at=None)
    assert client_for(other, ALPHA_HOST).post(job_url + "retry/").status_code == 404
    assert 'id="job-stuck"' in client.get(job_url).content.decode()
    assert "已中断，可重新开始" in client.get("/imports/").content.decode()  # the list says so too
    assert client.post(job_url + "retry/").status_code == 302
    with schema_context("u_alpha"):
        job = ImportJob.objects.get()
        assert job.status == "done" and job.created_count == 1 and Asset.objects.filter(number="S-1").count() == 1
    again = client.post(job_url + "retry/", follow=True)  # finished: nothing to start again
    assert "该导入并未中断" in again.content.decode()
