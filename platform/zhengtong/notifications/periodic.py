"""Per-unit periodic jobs, fanned out by one Celery beat entry.

Beat sends ``zhengtong.notifications.periodic_tick`` every minute. The tick lists the jobs
(the platform's in ``settings.ZT_PLATFORM_UNIT_JOBS``, plus each module's ``PeriodicTask`` entries with
``per_unit=True``), and for every active unit where the job applies and is due, sends the
job's task *from that unit's schema*: tenant-schemas-celery stamps the schema on the message
and the worker runs the task in it, so a job never reads another unit's data. When each
(job, unit) pair last went out is kept in ``PeriodicRun`` (public schema), claimed per job for
all its units in one statement (row locks, so two ticks never send a job twice).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_tenant_model, schema_context


@dataclass(frozen=True)
class UnitJob:
    task: str  # Celery task name, run in the unit's schema
    every_seconds: int
    module_key: str | None = None  # None: every active unit; else only units with the module on


def unit_jobs() -> list[UnitJob]:
    """The platform's per-unit jobs (settings.ZT_PLATFORM_UNIT_JOBS, next to the beat schedule)
    and every module's ``PeriodicTask(per_unit=True)``."""
    from django.conf import settings

    from zhengtong.registry.registry import all_modules

    jobs = [UnitJob(task, every) for task, every in settings.ZT_PLATFORM_UNIT_JOBS.items()]
    for m in all_modules():
        jobs.extend(UnitJob(t.name, t.schedule_seconds, m.key) for t in m.periodic_tasks if t.per_unit)
    return jobs


def periodic_tick(*, now: datetime | None = None, send=None) -> list[tuple[str, str]]:
    """Send every due (job, unit) pair; returns them. ``send(task, schema)`` defaults to
    sending the Celery task from the unit's schema after this transaction commits."""
    # The platform reaches the unit model through django-tenants, never by importing tenants/
    # (docs/architecture.md, Layers); the module switches are the model's module_switches.
    Unit = get_tenant_model()
    UnitModule = Unit._meta.get_field("module_switches").related_model
    now = now or timezone.now()
    send = send or _send_in_schema
    with schema_context("public"):
        units = list(Unit.objects.exclude(schema_name="public").filter(status=Unit.Status.ACTIVE)
                     .values_list("pk", "schema_name"))
        enabled: dict[int, set[str]] = {}
        for unit_id, key in UnitModule.objects.filter(enabled=True).values_list("unit_id", "module_key"):
            enabled.setdefault(unit_id, set()).add(key)
        sent: list[tuple[str, str]] = []
        for job in unit_jobs():
            schemas = [schema for unit_id, schema in units
                       if not job.module_key or job.module_key in enabled.get(unit_id, set())]
            sent.extend((job.task, schema) for schema in _claim_due(job, schemas, now))
    for task, schema in sent:
        send(task, schema)
    return sent


def _claim_due(job: UnitJob, schemas: list[str], now: datetime) -> list[str]:
    """Claim, in one statement, every unit of ``schemas`` where ``job`` is due; returns them.

    A claim per (job, unit) was one transaction each: ~5,950 per tick at ~500 units, 6-11 s of
    every minute. Here the upsert's conflict clause updates only the rows that are due, and
    returns inserted and updated rows alone. Two ticks at once cannot both claim a unit: the
    second waits for the first's row lock, then sees the new last_sent_at and skips it.
    """
    from .models import PeriodicRun

    if not schemas:
        return []
    # A little slack so a job due "every 60 s" is not skipped by a tick that fires at 59.9 s.
    due_before = now - timedelta(seconds=job.every_seconds) + timedelta(seconds=5)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {PeriodicRun._meta.db_table} (job, schema_name, last_sent_at)
                SELECT %s, s, %s FROM unnest(%s::text[]) AS s
                ON CONFLICT (job, schema_name) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
                 WHERE {PeriodicRun._meta.db_table}.last_sent_at <= %s
                RETURNING schema_name""",
            [job.task, now, schemas, due_before],
        )
        claimed = {row[0] for row in cur.fetchall()}
    return [s for s in schemas if s in claimed]


def _send_in_schema(task: str, schema: str) -> None:
    from zhengtong.celery import app

    with schema_context(schema):
        app.send_task(task)
