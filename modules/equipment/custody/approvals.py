"""Damage apportionment (赔偿分摊) as an approval request.

The information centre establishes what happened, the kind (loss / damage by a person /
normal wear) and each person's share; the unit's leadership approves (essay 篇四: 责任的划分由
信息化管理中心负责人与学校主管行政调查研究后确定). The chain is editable per unit. Submission checks
the shares add up to exactly 100 % and the amounts to exactly the cost; approval makes the
payments due; a rejection brings the incident back to be established again.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengtong.approvals.handlers import ApprovalHandler
from zhengtong.core.permissions import can

from .models import DamageIncident
from .services import damage_check_submittable, damage_status_set


class DamageApportionmentHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> DamageIncident:
        qs = DamageIncident.objects.select_for_update() if lock else DamageIncident.objects.all()
        return qs.get(pk=subject_id)

    def can_submit(self, user, subject: DamageIncident) -> bool:
        return can(user, "equipment_custody.change_damageincident", subject)

    def can_view_subject(self, user, subject: DamageIncident) -> bool:
        from .selectors import incident_visible

        return incident_visible(user=user, incident=subject)

    def check_submittable(self, subject: DamageIncident, *, resubmission: bool = False) -> None:
        allowed = (DamageIncident.Status.DRAFT, DamageIncident.Status.IN_APPROVAL) if resubmission \
            else (DamageIncident.Status.DRAFT,)
        if subject.status not in allowed:
            raise ValidationError(_("This incident is not being established any more (该事件已不在认定阶段)."))
        damage_check_submittable(subject)

    def facts(self, subject: DamageIncident) -> dict[str, Any]:
        return {"amount": subject.cost, "kind": subject.kind}

    def describe(self, subject: DamageIncident) -> str:
        return f"{subject.title}（¥{subject.cost:,.2f}）"

    def subject_path(self, subject: DamageIncident) -> str:
        return reverse("equipment:damage_detail", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def on_submitted(self, *, request, subject: DamageIncident, actor) -> None:
        damage_status_set(incident_id=subject.pk, status=DamageIncident.Status.IN_APPROVAL, actor=actor,
                          approval_ref=f"approval #{request.pk}")

    def on_approved(self, *, request, subject: DamageIncident, actor) -> None:
        damage_status_set(incident_id=subject.pk, status=DamageIncident.Status.APPROVED, actor=actor,
                          approval_ref=f"approval #{request.pk}")

    def on_closed(self, *, request, subject: DamageIncident, actor) -> None:
        damage_status_set(incident_id=subject.pk, status=DamageIncident.Status.DRAFT, actor=actor,
                          approval_ref=f"approval #{request.pk} {request.status}")
