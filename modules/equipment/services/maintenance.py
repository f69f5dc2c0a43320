"""Preventive maintenance and inspections on each type's intervals, and the warnings about what is overdue."""
from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from zhengtong.approvals.people import holder_ids
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.notifications.services import notify

from ..manifest import MANAGER, TECHNICIAN
from ..models import (
    Certification,
    Device,
    DeviceType,
    InspectionRecord,
    MaintenanceTask,
)
from .guards import (
    D,
    _today,
    rules,
)
from .repairs import fault_report


# ----------------------------------------------------------------------------- maintenance and inspections
def _intervals(dtype: DeviceType) -> list[tuple[str, int]]:
    out = []
    if dtype.maintenance_interval_days:
        out.append((MaintenanceTask.Kind.MAINTENANCE, dtype.maintenance_interval_days))
    if dtype.inspection_interval_days:
        out.append((MaintenanceTask.Kind.INSPECTION, dtype.inspection_interval_days))
    return out


def maintenance_schedule(*, today: date | None = None, devices=None) -> int:
    """Create the next maintenance/inspection task of every device from its type's intervals.

    Idempotent: a device has at most one open task per kind (a partial unique index), so a
    rerun — or two runs at once — adds nothing. The next task falls due one interval after
    the last one was done; a device never maintained gets its first task
    ``maintenance_first_due_days`` after it is first seen. Returns how many tasks were created."""
    today = today or _today()
    first_due = rules()["maintenance_first_due_days"]
    qs = (devices if devices is not None else Device.objects.all()).exclude(status=D.SCRAPPED)
    qs = qs.filter(Q(device_type__maintenance_interval_days__gt=0) | Q(device_type__inspection_interval_days__gt=0))
    qs = qs.select_related("device_type")
    open_now = set(MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN)
                   .values_list("device_id", "kind"))
    last_done = {(d, k): on for d, k, on in MaintenanceTask.objects.filter(status=MaintenanceTask.Status.DONE)
                 .values("device_id", "kind").annotate(on=Max("done_on")).values_list("device_id", "kind", "on")}
    new = []
    for device in qs.iterator(chunk_size=500):
        for kind, interval in _intervals(device.device_type):
            if (device.pk, kind) in open_now:
                continue
            done = last_done.get((device.pk, kind))
            due = done + timedelta(days=interval) if done else today + timedelta(days=first_due)
            new.append(MaintenanceTask(device=device, kind=kind, due_on=due))
    if not new:
        return 0
    before = MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN).count()
    # ON CONFLICT DO NOTHING: a concurrent run that created the same open task wins quietly.
    MaintenanceTask.objects.bulk_create(new, ignore_conflicts=True)
    created = MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN).count() - before
    if created:
        audit_record(action="equipment.maintenance.schedule", actor=None, object_type="equipment.MaintenanceTask",
                     after={"created": created, "on": today})
    return created


CERTIFICATION_NOTICE_DAYS = 14


def overdue_warn(*, today: date | None = None) -> int:
    """Warn technicians and managers about overdue tasks and stale antivirus scans (once per
    task; once per day for scans), and people whose certification lapses within two weeks (once
    per certification). Returns the number of warnings sent."""
    today = today or _today()
    sent = 0
    recipients = holder_ids(TECHNICIAN) | holder_ids(MANAGER)
    overdue = list(MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN, due_on__lt=today,
                                                  overdue_warned_on__isnull=True).select_related("device"))
    if overdue and recipients:
        lines = [f"{t.device.name}: {t.get_kind_display()} {t.due_on}" for t in overdue[:50]]
        notify(recipients=recipients, kind="deadline_overdue",
               title=f"{len(overdue)} 项设备保养/巡检已逾期", title_en=f"{len(overdue)} maintenance tasks overdue",
               body="\n".join(lines), body_en="\n".join(lines), url="/m/equipment/maintenance/?overdue=1",
               dedupe_key=f"equipment.overdue.{connection.schema_name}.{today}.{min(t.pk for t in overdue)}")
        sent += 1
    if overdue:
        MaintenanceTask.objects.filter(pk__in=[t.pk for t in overdue]).update(overdue_warned_on=today)
    # Certifications about to lapse: the holder hears of it in time to retake the exam, once.
    soon = today + timedelta(days=CERTIFICATION_NOTICE_DAYS)
    lapsing = (Certification.objects.filter(revoked=False, valid_until__gte=today, valid_until__lte=soon)
               .select_related("course"))
    for cert in lapsing:
        newer = Certification.objects.filter(user_id=cert.user_id, course_id=cert.course_id, revoked=False,
                                             valid_until__gt=cert.valid_until).exists()
        if newer:
            continue
        created = notify(recipients=[cert.user_id], kind="deadline_approaching",
                         title=f"培训合格证“{cert.course.title}”将于 {cert.valid_until} 到期",
                         title_en=f"Your certification “{cert.course.title}” expires on {cert.valid_until}",
                         body="请在到期前重新参加考试，否则将不能借用或登记使用相关设备。",
                         body_en="Retake the exam before it expires, or you will not be able to use those devices.",
                         url=f"/m/equipment/training/{cert.course_id}/",
                         dedupe_key=f"equipment.cert_expiry.{connection.schema_name}.{cert.pk}")
        sent += len(created)
    limit = today - timedelta(days=rules()["antivirus_max_age_days"])
    stale = list(Device.objects.filter(device_type__tracks_antivirus=True).exclude(status=D.SCRAPPED)
                 .filter(Q(antivirus_scanned_on__isnull=True) | Q(antivirus_scanned_on__lt=limit))
                 .values_list("name", flat=True)[:50])
    if stale and recipients:
        notify(recipients=recipients, kind="module_warning",
               title=f"{len(stale)} 台计算机杀毒扫描已过期", title_en=f"{len(stale)} computers need an antivirus scan",
               body="、".join(stale), body_en=", ".join(stale), url="/m/equipment/maintenance/",
               dedupe_key=f"equipment.antivirus.{connection.schema_name}.{today}")
        sent += 1
    return sent


@audited_refusal("equipment.inspection.record", obj_arg="device")
@transaction.atomic
def inspection_record(*, actor, device: Device, kind: str, results: list[dict], notes: str = "",
                      inspected_on: date | None = None, antivirus_scanned_on: date | None = None,
                      antivirus_definitions_on: date | None = None, patched_on: date | None = None
                      ) -> InspectionRecord:
    """Record a maintenance or inspection visit with the type's checklist; closes the open task
    of that kind and schedules the next one from the interval."""
    if not actor.has_perm("equipment.add_inspectionrecord"):
        raise Refused(_("Only technicians record maintenance and inspections."))
    device = Device.objects.select_for_update(of=("self",)).select_related("device_type").get(pk=device.pk)
    inspected_on = inspected_on or _today()
    if inspected_on > _today():
        raise Invalid(_("An inspection cannot be dated in the future."), code="date")
    expected = device.device_type.checklist
    by_item = {r.get("item"): r for r in results}
    missing = [i for i in expected if i not in by_item]
    if missing:
        raise Invalid(_("Check every item of the checklist: %(items)s.") % {"items": "、".join(missing)},
                      code="checklist")
    clean = [{"item": i, "ok": bool(by_item[i].get("ok")), "note": (by_item[i].get("note") or "").strip()}
             for i in expected]
    for r in clean:
        if not r["ok"] and not r["note"]:
            raise Invalid(_("Say what is wrong with “%(item)s”.") % {"item": r["item"]}, code="note")
    task = (MaintenanceTask.objects.select_for_update()
            .filter(device=device, kind=kind, status=MaintenanceTask.Status.OPEN).first())
    record = InspectionRecord.objects.create(device=device, task=task, inspector=actor, inspected_on=inspected_on,
                                             results=clean, notes=notes)
    if task is not None:
        task.status = MaintenanceTask.Status.DONE
        task.done_on = inspected_on
        task.done_by = actor
        task.save(update_fields=["status", "done_on", "done_by"])
    else:
        # Unplanned visit: still counts as the last one done, so the schedule follows it.
        MaintenanceTask.objects.create(device=device, kind=kind, due_on=inspected_on,
                                       status=MaintenanceTask.Status.DONE, done_on=inspected_on, done_by=actor)
    av = {"antivirus_scanned_on": antivirus_scanned_on, "antivirus_definitions_on": antivirus_definitions_on,
          "patched_on": patched_on}
    av = {k: v for k, v in av.items() if v is not None}
    if av:
        for k, v in av.items():
            setattr(device, k, v)
        device.save(update_fields=[*av, "updated_at"])
    audit_record(action="equipment.inspection.record", actor=actor, obj=device,
                 after={"record": record.pk, "kind": kind, "all_ok": record.all_ok, **av})
    maintenance_schedule(devices=Device.objects.filter(pk=device.pk))
    failed = [r["item"] for r in clean if not r["ok"]]
    if failed:
        fault_report(actor=actor, device=device, symptom="巡检发现问题 / Inspection found: " + "; ".join(
            f"{r['item']}: {r['note']}" for r in clean if not r["ok"]))
    return record
