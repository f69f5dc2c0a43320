"""Deadlines of a case's steps and of its payment: a warning on the case's timeline and in the
inboxes of the people concerned, once per overdue step (the periodic task may run often)."""
from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..manifest import SUPERVISOR
from ..models import InspectionCase
from .cases import _lock, _record
from .stages import _outstanding
from .transitions import R, S

STEP_ROLE = {S.ASSIGNED: R.INSPECTOR, S.INSPECTING: R.INSPECTOR, S.RETURNED: R.INSPECTOR,
             S.UNDER_REVIEW: R.REVIEWER, S.EXECUTING: R.EXECUTOR}


def _notify_overdue(case: InspectionCase, what: str, title: str, title_en: str) -> None:
    """The inbox of the people on the late step, and of the chiefs (who assign and supervise)."""
    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    from ..selectors import role_holders

    recipients = set(role_holders(SUPERVISOR).values_list("pk", flat=True))
    role = STEP_ROLE.get(case.status) if what.startswith("step") else R.EXECUTOR
    if role:
        recipients |= set(case.assignments.filter(role=role, removed_at__isnull=True)
                          .values_list("user_id", flat=True))
    unit = current_unit()
    notify(recipients=recipients, kind=Notification.Kind.DEADLINE_OVERDUE, title=title, title_en=title_en,
           url=unit_url(unit, case.get_absolute_url()) if unit else "", unit=unit,
           # case ids repeat across units: the key carries the unit's schema
           dedupe_key=f"inspection:{connection.schema_name}:{case.pk}:{what}:{case.step_due_on}")

def overdue_warnings_issue(*, today: date | None = None) -> int:
    """Warn once per overdue step (and once for an overdue payment) in the case's timeline.
    Idempotent: the periodic task may run as often as it likes."""
    from ..selectors import payment_overdue

    today = today or timezone.localdate()
    issued = 0
    live = InspectionCase.objects.exclude(status__in=(S.CLOSED, S.WITHDRAWN, S.SUSPENDED))
    for case in live.filter(step_due_on__lt=today).exclude(overdue_warned_status=F("status")):
        with transaction.atomic():
            case = _lock(case)
            if case.overdue_warned_status == case.status or not case.step_due_on or case.step_due_on >= today:
                continue
            case.overdue_warned_status = case.status
            case.save(update_fields=["overdue_warned_status"])
            _record(case, "overdue", None, after={"status": case.status, "due": case.step_due_on,
                                                  "days_late": (today - case.step_due_on).days})
            _notify_overdue(case, f"step:{case.status}",
                            f"{case.number} {case.get_status_display()}环节已超期（应于{case.step_due_on}完成）",
                            f"{case.number}: the current step was due on {case.step_due_on}")
            issued += 1
    for case in live.filter(decision__payment_due_on__lt=today, payment_overdue_warned=False):
        if not payment_overdue(case, today=today):
            continue
        with transaction.atomic():
            case = _lock(case)
            if case.payment_overdue_warned:
                continue
            case.payment_overdue_warned = True
            case.save(update_fields=["payment_overdue_warned"])
            _record(case, "payment_overdue", None, after={"due": case.decision.payment_due_on,
                                                          "outstanding": _outstanding(case)})
            _notify_overdue(case, "payment",
                            f"{case.number} 缴款期限{case.decision.payment_due_on}已过，尚有未入库金额",
                            f"{case.number}: payment was due on {case.decision.payment_due_on} and is outstanding")
            issued += 1
    return issued
