"""Deadlines: a reminder before a step is due, the notice when it is overdue, escalation."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zhengtong.audit.services import audit_record
from zhengtong.core.tenancy import current_unit
from zhengtong.notifications.models import Notification
from zhengtong.notifications.services import notify
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
                _deadline_notice(req, step, now, "overdue")
                counts["overdue"] += 1
                if step.escalate_to and step.escalated_at is None:
                    _step_escalate(req, step, now)
                    counts["escalated"] += 1
            elif step.reminded_at is None and now >= step.due_at - _reminder_lead(step):
                _deadline_notice(req, step, now, "remind")
                counts["reminded"] += 1
    return counts


def _reminder_lead(step: ApprovalStep) -> timedelta:
    """Remind a day before the deadline, or half-way through deadlines shorter than two days."""
    return min(timedelta(hours=24), timedelta(hours=step.deadline_hours or 0) / 2)


# What each deadline notice records and says; an overdue step is news to the requester too.
_NOTICES = {
    "remind": {"field": "reminded_at", "kind": Kind.REMIND, "notice": Notification.Kind.DEADLINE_APPROACHING,
               "requester": False, "title": ("审批即将到期：{subject}", "Approval due soon: {subject}"),
               "body": ("步骤“{zh}”须于 {due} 前办理。", "Step “{en}” is due by {due}.")},
    "overdue": {"field": "overdue_at", "kind": Kind.OVERDUE, "notice": Notification.Kind.DEADLINE_OVERDUE,
                "requester": True, "title": ("审批已超期：{subject}", "Approval overdue: {subject}"),
                "body": ("步骤“{zh}”的办理时限 {due} 已过。", "Step “{en}” was due {due}.")},
}


def _deadline_notice(req: ApprovalRequest, step: ApprovalStep, now: datetime, stage: str) -> None:
    """Mark the step reminded or overdue, put it on the request's history, tell the people
    it waits for and record it (``approvals.remind`` / ``approvals.overdue``)."""
    notice = _NOTICES[stage]
    setattr(step, notice["field"], now)
    step.save(update_fields=[notice["field"]])
    ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=notice["kind"])
    recipients = _pending_deciders(req, step) | ({req.requester_id} if notice["requester"] else set())
    words = {"subject": req.subject_repr, "zh": step.name_zh, "en": step.name_en, "due": _local(step.due_at)}
    notify(recipients=recipients, kind=notice["notice"],
           title=notice["title"][0].format(**words), title_en=notice["title"][1].format(**words),
           body=notice["body"][0].format(**words), body_en=notice["body"][1].format(**words),
           url=request_url(req, district=step.is_district),
           dedupe_key=f"{current_unit().schema_name}:step:{step.pk}:{stage}")
    audit_record(action=f"approvals.{stage}", obj=req, after={"step": step.key, "due_at": step.due_at})


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

