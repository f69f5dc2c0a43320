"""Stocktake book adjustments (清查调账) as an approval request.

The subject is the campaign. The chain (manifest.py, editable per unit) has the unit head
sign always and the district finance bureau too when the shortages' original value reaches
the unit's ``disposal_bureau_threshold`` — the same line as for disposals, since a shortage
ends in a write-off. The engine refuses a submission while the public notice runs, with
objections unanswered, or when there is nothing to adjust (services.check_adjustable);
the cards change only on the last approval (services.adjustments_apply).
"""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from zhengtong.approvals.handlers import ApprovalHandler

from . import selectors, services
from .models import Campaign


class StocktakeAdjustmentHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> Campaign:
        qs = Campaign.objects.select_for_update() if lock else Campaign.objects.all()
        return qs.get(pk=subject_id)

    def can_submit(self, user, subject: Campaign) -> bool:
        return services.can_manage(user)

    def can_view_subject(self, user, subject: Campaign) -> bool:
        return selectors.can_read(user, subject)

    def check_submittable(self, subject: Campaign, *, resubmission: bool = False) -> None:
        services.check_adjustable(subject)

    def facts(self, subject: Campaign) -> dict[str, Any]:
        d = selectors.discrepancies(subject)
        return {"amount": d.shortage_totals.original_value}

    def describe(self, subject: Campaign) -> str:
        return f"清查调账 {subject.title}"

    def subject_path(self, subject: Campaign) -> str:
        return reverse("assets:stocktake:report", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def on_submitted(self, *, request, subject: Campaign, actor) -> None:
        services.campaign_status_set(campaign=subject, status=Campaign.Status.IN_APPROVAL, actor=actor,
                                     approval_ref=f"approval #{request.pk}")

    def on_approved(self, *, request, subject: Campaign, actor) -> None:
        services.adjustments_apply(campaign_id=subject.pk, actor=actor, approval_ref=f"approval #{request.pk}")

    def on_closed(self, *, request, subject: Campaign, actor) -> None:
        services.campaign_status_set(campaign=subject, status=Campaign.Status.PUBLISHED, actor=actor,
                                     approval_ref=f"approval #{request.pk} {request.status}")
