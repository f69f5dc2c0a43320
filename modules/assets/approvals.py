"""Asset disposal (资产处置) as an approval request.

The chain (declared in manifest.py, editable per unit) routes by the asset's original
value against the unit's rules: the unit head always signs; from
``disposal_bureau_threshold`` on the district finance bureau (国资办) signs after them.
Between ``disposal_unit_head_limit`` and the bureau threshold — a gap only when a unit
raises the threshold above the limit — the unit's leadership decides collectively (two
unit administrators).

The disposal type (transfer, sale, scrap, donation, loss write-off) is chosen on the card's
disposal request form (services.asset_disposal_request), kept on the card and in the request's
facts as ``disposal_type``, so chain steps route by it too (the default chain sends every loss
write-off to the bureau). Types listed in the rule ``disposal_appraisal_required_for`` need a
technical appraisal (技术鉴定) attached to the card before the request is accepted.

A request sent without a type (the generic approval page) routes by value alone, as before;
the asset officer then records the method after approval.

The asset shows "pending disposal" while in approval and becomes "disposed" on final
approval, with the approval as its decision reference, through services.asset_status_set.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengtong.approvals.handlers import ApprovalHandler
from zhengtong.core.permissions import can

from .models import Asset
from .services import asset_disposal_type_clear, asset_status_set, disposal_appraisal_missing, not_disposable


class AssetDisposalHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> Asset:
        qs = Asset.objects.select_for_update() if lock else Asset.objects.all()
        return qs.get(pk=subject_id)

    def can_submit(self, user, subject: Asset) -> bool:
        # Whoever may change the card: the asset officer, or its custodian through the
        # object permission granted with custody.
        return can(user, "assets.change_asset", subject)

    def can_view_subject(self, user, subject: Asset) -> bool:
        return can(user, "assets.view_asset", subject)

    def check_submittable(self, subject: Asset, *, resubmission: bool = False) -> None:
        if not (resubmission and subject.status == Asset.Status.PENDING_DISPOSAL) and (
                refusal := not_disposable(subject)):
            raise refusal
        # Also on resubmission: a returned request may have been returned for the missing appraisal.
        if disposal_appraisal_missing(subject):
            raise ValidationError(
                _("A %(t)s needs a technical appraisal: attach it to the card (use “Technical appraisal”) "
                  "before requesting the disposal (%(t)s须先在资产卡片上附技术鉴定报告).")
                % {"t": subject.get_disposal_method_display()})

    def check_request(self, subject: Asset) -> None:
        # The chain routes by type as well as value (a loss write-off goes to the bureau at any
        # value): a request without a type would slip past that routing.
        if not subject.disposal_method:
            raise ValidationError(_("Choose the disposal type on the disposal request page "
                                    "(请在处置申请页选择处置方式)."))

    def submit_path(self, subject: Asset) -> str:
        return reverse("assets:disposal_request", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def facts(self, subject: Asset) -> dict[str, Any]:
        return {"amount": subject.original_value, "category": subject.category,
                "disposal_type": subject.disposal_method}

    def describe(self, subject: Asset) -> str:
        # The type goes with the subject so that approvers see in their list what they decide on.
        if subject.disposal_method:
            return f"{subject.number} {subject.name} · {subject.get_disposal_method_display()}"
        return f"{subject.number} {subject.name}"

    def subject_path(self, subject: Asset) -> str:
        return reverse("assets:detail", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def on_submitted(self, *, request, subject: Asset, actor) -> None:
        if subject.status != Asset.Status.PENDING_DISPOSAL:
            request.facts = {**request.facts, "status_before": subject.status}
            request.save(update_fields=["facts"])
        asset_status_set(actor=actor, asset=subject.pk, status=Asset.Status.PENDING_DISPOSAL,
                         authority=f"approval #{request.pk}", audit_action="assets.asset.disposal")

    def on_approved(self, *, request, subject: Asset, actor) -> None:
        # The approval's number is the disposal decision's reference on the card.
        asset_status_set(actor=actor, asset=subject.pk, status=Asset.Status.DISPOSED,
                         decision_number=f"approval #{request.pk}",
                         authority=f"approval #{request.pk}", audit_action="assets.asset.disposal")

    def on_closed(self, *, request, subject: Asset, actor) -> None:
        restore = request.facts.get("status_before") or Asset.Status.IN_USE
        asset_status_set(actor=actor, asset=subject.pk, status=restore,
                         authority=f"approval #{request.pk} {request.status}", audit_action="assets.asset.disposal")
        # A rejected or withdrawn request leaves no disposal type on a card still on the books.
        asset_disposal_type_clear(actor=actor, asset=subject.pk, authority=f"approval #{request.pk} {request.status}")
