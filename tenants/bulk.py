"""Onboarding many units from one spreadsheet: every row is validated first; if any row
is wrong nothing is written and each problem is reported by row and column. A valid file
becomes a job the Celery worker runs, one unit per transaction, with progress the operator
watches (views.unit_bulk_job) and a resume after a lost worker."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid
from zhengtong.imports.reader import SpreadsheetError, read_table
from zhengtong.registry.registry import all_modules

from .models import BulkOnboarding, BulkOnboardingRow
from .services import _pk_user, normalise_slug, require_operator, unit_onboard, validate_unit_fields

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

# High half of a bulk job's advisory lock key ("zb"); the job's id is the low half.
BULK_LOCK_CLASS = 0x7A62

# Column headers as in the downloadable template (Chinese), and their field names.
COLUMNS = {
    "单位名称": "name",
    "简称": "slug",
    "统一社会信用代码": "credit_code",
    "类型": "unit_type",
    "启用模块": "modules",
    "管理员邮箱": "admin_email",
    "管理员姓名": "admin_name",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
}
REQUIRED = ("单位名称", "简称", "类型")
TYPE_WORDS = {"局": "bureau", "委": "bureau", "学校": "school", "其他": "other",
              "bureau": "bureau", "school": "school", "other": "other"}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class BulkResult:
    errors: list[RowError] = field(default_factory=list)
    job: BulkOnboarding | None = None


def _module_keys(text: str | None) -> list[str]:
    if not text:
        return []
    names = {}
    for m in all_modules():
        names[m.key] = m.key
        names[m.name_zh] = m.key
        names[m.name_en.lower()] = m.key
    out = []
    for part in str(text).replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if part:
            out.append(names.get(part, names.get(part.lower(), part)))
    return out


def units_bulk_onboard(*, filename: str, data: bytes, actor: User) -> BulkResult:
    """Validate every row; if all are right, queue the job that creates the units.

    All or nothing holds for the *file*: one wrong row and nothing is written. The units
    themselves are then made by the worker (``bulk_job_run``), each in a transaction of its
    own. Onboarding them all in one transaction held ~1,800 locks per unit and ran out of
    PostgreSQL's lock table at the 19th unit, rolling back the whole file after 89 s.
    """
    require_operator(actor)
    result = BulkResult()
    prepared = _validated_rows(filename, data, result)
    if result.errors:
        return result
    with transaction.atomic(), schema_context("public"):
        job = BulkOnboarding.objects.create(filename=filename[:255], created_by=_pk_user(actor))
        BulkOnboardingRow.objects.bulk_create(
            BulkOnboardingRow(job=job, row_no=row_no, name=rec["name"], slug=rec["slug"], fields=rec)
            for row_no, rec in prepared
        )
        audit_record(action="unit.bulk_onboard", actor=actor, obj=job, object_repr=filename[:200],
                     after={"units": len(prepared), "slugs": [rec["slug"] for _, rec in prepared][:50]})
        _enqueue(job)
    result.job = job
    return result


def _validated_rows(filename: str, data: bytes, result: BulkResult) -> list[tuple[int, dict]]:
    try:
        table = read_table(filename, data, max_rows=2000)
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return []
    missing = [h for h in REQUIRED if h not in table.headers]
    if missing:
        result.errors.append(RowError(1, ", ".join(missing), _("Missing column(s) (缺少列)")))
        return []
    if not table.rows:
        result.errors.append(RowError(0, "", _("The file has no data rows (文件没有数据行).")))
        return []
    field_to_header = {v: k for k, v in COLUMNS.items()}
    prepared = []
    seen_slugs: set[str] = set()
    seen_codes: set[str] = set()
    for row_no, values in table.rows:
        rec = {f: (str(values.get(h)).strip() if values.get(h) is not None else "") for h, f in COLUMNS.items()}
        rec["slug"] = normalise_slug(rec["slug"])
        rec["credit_code"] = rec["credit_code"].upper()
        rec["unit_type"] = TYPE_WORDS.get(rec["unit_type"], rec["unit_type"])
        rec["module_keys"] = _module_keys(rec.pop("modules"))
        errors = validate_unit_fields(
            name=rec["name"], slug=rec["slug"], credit_code=rec["credit_code"], unit_type=rec["unit_type"],
            module_keys=rec["module_keys"], admin_email=rec["admin_email"],
            seen_slugs=seen_slugs, seen_codes=seen_codes,
        )
        for f, message in errors.items():
            result.errors.append(RowError(row_no, field_to_header.get(f, f), message))
        seen_slugs.add(rec["slug"])
        if rec["credit_code"]:
            seen_codes.add(rec["credit_code"])
        prepared.append((row_no, rec))
    return prepared


def _enqueue(job: BulkOnboarding) -> None:
    from .tasks import bulk_onboard_run

    transaction.on_commit(lambda: bulk_onboard_run.delay(job.pk))


def _job_lock_key(job_id: int) -> int:
    return (BULK_LOCK_CLASS << 32) | job_id


def bulk_job_run(job_id: int) -> None:
    """Create the job's remaining units, one transaction each, in row order.

    A worker killed mid-way loses only the unit it was making (its transaction rolls back:
    no schema, tenant, domain or invitation is left); the redelivered task, or the operator's
    resume, starts again at the first row without a unit. A session-level advisory lock keeps
    a second run of the same job out while one is alive, and PostgreSQL drops it with the
    connection of a dead worker, so "is it still running?" has an exact answer (bulk_job_alive).
    """
    with schema_context("public"):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_job_lock_key(job_id)])
            if not cur.fetchone()[0]:
                return  # another worker is on it
        try:
            _run_rows(job_id)
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_job_lock_key(job_id)])


def _run_rows(job_id: int) -> None:
    job = BulkOnboarding.objects.filter(pk=job_id).first()
    if job is None or job.status == BulkOnboarding.Status.DONE:
        return
    actor = job.created_by
    now = timezone.now()
    BulkOnboarding.objects.filter(pk=job.pk).update(
        status=BulkOnboarding.Status.RUNNING, started_at=job.started_at or now, heartbeat_at=now)
    pending = list(job.rows.filter(unit__isnull=True, error="").values_list("pk", flat=True))
    for row_pk in pending:
        started = time.monotonic()
        try:
            with transaction.atomic():
                row = BulkOnboardingRow.objects.select_for_update().get(pk=row_pk)
                if row.unit_id or row.error:  # settled since the list was read
                    continue
                done = unit_onboard(actor=actor, check_actor=False, **row.fields)
                row.unit = done.unit
                row.seconds = time.monotonic() - started
                row.done_at = timezone.now()
                row.save(update_fields=["unit", "seconds", "done_at"])
                BulkOnboarding.objects.filter(pk=job.pk).update(heartbeat_at=row.done_at)
        except ValidationError as exc:
            # Validated before queueing, so only a race gets here (another operator took the
            # slug or credit code meanwhile): this row is reported, the others go on.
            BulkOnboardingRow.objects.filter(pk=row_pk).update(
                error="; ".join(exc.messages), done_at=timezone.now())
    rows = job.rows.all()
    created = rows.filter(unit__isnull=False).count()
    BulkOnboarding.objects.filter(pk=job.pk).update(status=BulkOnboarding.Status.DONE, finished_at=timezone.now())
    audit_record(action="unit.bulk_onboard_done", actor=actor, obj=job, object_repr=job.filename[:200],
                 after={"created": created, "failed": rows.filter(error__gt="").count()})


def bulk_job_alive(job: BulkOnboarding) -> bool:
    """Whether a worker holds the job now (its advisory lock is taken)."""
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
                    "AND objid = %s AND granted)", [BULK_LOCK_CLASS, job.pk])
        return cur.fetchone()[0]


def bulk_job_resume(*, job: BulkOnboarding, actor: User) -> None:
    """Send the job to the worker again (after its worker died). Harmless if it is alive."""
    require_operator(actor)
    if job.status == BulkOnboarding.Status.DONE:
        raise Invalid(_("This import has finished (导入已完成)."))
    if bulk_job_alive(job):
        raise Invalid(_("A worker is creating these units right now (正在创建中，无需继续)."))
    with transaction.atomic():
        audit_record(action="unit.bulk_onboard_resume", actor=actor, obj=job, object_repr=job.filename[:200])
        _enqueue(job)


@dataclass
class BulkProgress:
    total: int
    created: int
    failed: int
    alive: bool
    seconds_left: float | None  # None until a unit has been made

    @property
    def remaining(self) -> int:
        return self.total - self.created - self.failed

    @property
    def percent(self) -> int:
        return int(100 * (self.created + self.failed) / self.total) if self.total else 100


def bulk_job_progress(job: BulkOnboarding) -> BulkProgress:
    stats = job.rows.aggregate(
        total=Count("pk"), created=Count("pk", filter=Q(unit__isnull=False)),
        failed=Count("pk", filter=~Q(error="")), mean=Avg("seconds"),
    )
    remaining = stats["total"] - stats["created"] - stats["failed"]
    left = stats["mean"] * remaining if stats["mean"] is not None else None
    return BulkProgress(total=stats["total"], created=stats["created"], failed=stats["failed"],
                        alive=bulk_job_alive(job), seconds_left=left)


def template_workbook() -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(list(COLUMNS))
    ws.append(["区教育局", "jyj", "11110105MB00000009", "局", "assets", "admin@jyj.example.cn", "张三", "李四",
               "010-12345678"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

