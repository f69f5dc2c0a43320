"""Lending and renting (出租出借) as an approval request (type ``assets.lending``).

The chain (manifest.py, editable per unit) routes by the asset's original value against
the unit's rule ``lending_bureau_threshold``: the unit head always signs; from the
threshold on, the district finance bureau (国资办) signs after them. The hooks run inside
the engine's transaction, in the unit's schema, and write through services.py.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengtong.approvals.handlers import ApprovalHandler

from . import services
from .models import LeaseContract


class LendingHandler(ApprovalHandler):
    def get_subject(self, subject_id: int, *, lock: bool = False) -> LeaseContract:
        qs = LeaseContract.objects.select_related("asset")
        return (qs.select_for_update(of=("self",)) if lock else qs).get(pk=subject_id)

    def can_submit(self, user, subject: LeaseContract) -> bool:
        return services.is_officer(user)

    def can_view_subject(self, user, subject: LeaseContract) -> bool:
        from .selectors import may_view_contracts

        return may_view_contracts(user)

    def check_submittable(self, subject: LeaseContract, *, resubmission: bool = False) -> None:
        allowed = (LeaseContract.Status.DRAFT, LeaseContract.Status.REJECTED)
        if resubmission:
            allowed += (LeaseContract.Status.IN_APPROVAL,)
        if subject.status not in allowed:
            raise ValidationError(_("This contract is not a draft (该合同不是草稿，不能提交审批)."))
        if refusal := services.not_lendable(subject.asset):
            raise refusal

    def facts(self, subject: LeaseContract) -> dict[str, Any]:
        return {"amount": subject.asset.original_value, "rent": subject.rent, "kind": subject.kind}

    def describe(self, subject: LeaseContract) -> str:
        return f"{subject.get_kind_display()} {subject.asset.number} {subject.asset.name} → {subject.counterparty}"

    def subject_path(self, subject: LeaseContract) -> str:
        return reverse("assets:lending_detail", args=[subject.pk], urlconf="zhengtong.urls_tenant")

    def on_submitted(self, *, request, subject: LeaseContract, actor) -> None:
        services.lease_submitted(contract_id=subject.pk, actor=actor, approval_ref=f"approval #{request.pk}")

    def on_approved(self, *, request, subject: LeaseContract, actor) -> None:
        services.lease_approved(contract_id=subject.pk, actor=actor, approval_ref=f"approval #{request.pk}")

    def on_closed(self, *, request, subject: LeaseContract, actor) -> None:
        services.lease_closed(contract_id=subject.pk, actor=actor,
                              approval_ref=f"approval #{request.pk} {request.status}")
