"""Deadlines: a reminder before a step is due, the notice when it is overdue, escalation."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zhengtong.audit.services import audit_record
from zhengtong.notifications.models import Notification
from zhengtong.notifications.services import current_unit, notify
from zhengtong.registry.registry import role_label

from .. import people
from ..models import ApprovalAction, ApprovalRequest, ApprovalStep
from .common import DECISION_KINDS, Kind, _index_put, _local, _notify_step_waiting, request_url

# ------------------------------------------------------------------ deadlines


def deadlines_check(*, now: datetime | None = None) -> dict[str, int]:
    """Remind before a step's deadline, announce it when it passes and escalate.

    Run per unit by the periodic fan-out (each unit in its own schema). Idempotent: each
    step is reminded, marked overdue and escalated at most once, under a row lock that a
    second concurrent run skips.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0}
    due = ApprovalStep.objects.filter(status=ApprovalStep.Status.ACTIVE, request__status=ApprovalRequest.Status.PENDING,
                                      due_at__isnull=False, overdue_at__isnull=True)
    for step_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            step = (ApprovalStep.objects.select_for_update(skip_locked=True).select_related("request__requester")
                    .filter(pk=step_id, status=ApprovalStep.Status.ACTIVE, overdue_at__isnull=True).first())
            if step is None:
                continue
            req = step.request
            if now >= step.due_at:
                _step_overdue(req, step, now)
                counts["overdue"] += 1
                if step.escalate_to and step.escalated_at is None:
                    _step_escalate(req, step, now)
                    counts["escalated"] += 1
            elif step.reminded_at is None and now >= step.due_at - _reminder_lead(step):
                _step_remind(req, step, now)
                counts["reminded"] += 1
    return counts


def _reminder_lead(step: ApprovalStep) -> timedelta:
    """Remind a day before the deadline, or half-way through deadlines shorter than two days."""
    return min(timedelta(hours=24), timedelta(hours=step.deadline_hours or 0) / 2)


def _step_remind(req: ApprovalRequest, step: ApprovalStep, now: datetime) -> None:
    step.reminded_at = now
    step.save(update_fields=["reminded_at"])
    ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=Kind.REMIND)
    notify(recipients=_pending_deciders(req, step), kind=Notification.Kind.DEADLINE_APPROACHING,
           title=f"审批即将到期：{req.subject_repr}", title_en=f"Approval due soon: {req.subject_repr}",
           body=f"步骤“{step.name_zh}”须于 {_local(step.due_at)} 前办理。",
           body_en=f"Step “{step.name_en}” is due by {_local(step.due_at)}.",
           url=request_url(req, district=step.is_district),
           dedupe_key=f"{current_unit().schema_name}:step:{step.pk}:remind")
    audit_record(action="approvals.remind", obj=req, after={"step": step.key, "due_at": step.due_at})


def _step_overdue(req: ApprovalRequest, step: ApprovalStep, now: datetime) -> None:
    step.overdue_at = now
    step.save(update_fields=["overdue_at"])
    ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=Kind.OVERDUE)
    recipients = _pending_deciders(req, step) | {req.requester_id}
    notify(recipients=recipients, kind=Notification.Kind.DEADLINE_OVERDUE,
           title=f"审批已超期：{req.subject_repr}", title_en=f"Approval overdue: {req.subject_repr}",
           body=f"步骤“{step.name_zh}”的办理时限 {_local(step.due_at)} 已过。",
           body_en=f"Step “{step.name_en}” was due {_local(step.due_at)}.",
           url=request_url(req, district=step.is_district),
           dedupe_key=f"{current_unit().schema_name}:step:{step.pk}:overdue")
    audit_record(action="approvals.overdue", obj=req, after={"step": step.key, "due_at": step.due_at})


def _step_escalate(req: ApprovalRequest, step: ApprovalStep, now: datetime) -> None:
    step.escalated_at = now
    step.save(update_fields=["escalated_at"])
    ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=Kind.ESCALATE,
                                  comment=role_label(step.escalate_to))
    if step.is_district:
        _index_put(req, step)
    _notify_step_waiting(req, step, role=step.escalate_to, escalated=True)
    audit_record(action="approvals.escalate", obj=req, after={"step": step.key, "to": step.escalate_to})


def _pending_deciders(req: ApprovalRequest, step: ApprovalStep) -> set[int]:
    """Eligible people who have not decided on the step yet (committee members who voted are done)."""
    voted = {a.principal_id for a in step.actions.filter(kind__in=DECISION_KINDS)}
    return people.eligible_ids(step.role) - voted - {req.requester_id}

