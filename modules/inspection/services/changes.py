"""Maker-checker (多人多岗) on data of a submitted stage.

Once the inspection report is co-signed, the findings no longer change by the inspectors'
hand alone; once the review decision is issued, neither does the decision; once a payment
is recorded, neither does the payment. A change is a ``ChangeRequest`` — the values before,
the values wanted, and why — that goes through the platform's approval engine (request type
"inspection.change", by default the inspection chief approves; module admins may make the
chain longer). The engine refuses self-approval and people without the step's role; on
approval it calls back here and the change is applied, provided the data is still what the
request was made against. The case shows both versions and who approved.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.core.errors import Invalid, audited_refusal

from ..models import ChangeRequest, Finding, InspectionCase, Payment, ReviewDecision
from .cases import _lock, _record
from .transitions import TARGET_RULES, allow, can_request_change

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

CHANGE_TYPE = "inspection.change"
FIELDS: dict[str, tuple[str, ...]] = {
    ChangeRequest.Target.FINDING: ("description", "tax_amount", "late_fee_amount", "penalty_amount"),
    ChangeRequest.Target.DECISION: ("opinion", "tax_amount", "late_fee_amount", "penalty_amount"),
    ChangeRequest.Target.PAYMENT: ("amount", "received_on", "reference"),
}
MONEY = ("tax_amount", "late_fee_amount", "penalty_amount", "amount")


def _target(case: InspectionCase, target: str, target_id: int, *, lock: bool = False):
    model = {ChangeRequest.Target.FINDING: Finding, ChangeRequest.Target.DECISION: ReviewDecision,
             ChangeRequest.Target.PAYMENT: Payment}[target]
    qs = model.objects.select_for_update() if lock else model.objects.all()
    obj = qs.filter(pk=target_id, case=case).first()
    if obj is None:
        raise Invalid(_("Nothing to change was found on this case (本案没有找到要变更的数据)."))
    return obj


def _values(obj, target: str) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in FIELDS[target]}


def _plain(v):
    if isinstance(v, Decimal):
        return str(v.quantize(Decimal("0.01")))
    if isinstance(v, date):
        return v.isoformat()
    return v


def _clean(target: str, changes: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in changes.items():
        if k not in FIELDS[target] or v is None:
            continue
        if k in MONEY:
            try:
                d = Decimal(str(v)).quantize(Decimal("0.01"))
            except InvalidOperation as exc:
                raise Invalid({k: _("Not a number (不是数字).")}) from exc
            if d < 0:
                raise Invalid({k: _("Amounts cannot be negative (金额不能为负).")})
            out[k] = str(d)
        elif k == "received_on":
            out[k] = v.isoformat() if isinstance(v, date) else date.fromisoformat(str(v)).isoformat()
        else:
            out[k] = str(v).strip()
    return out


def _amount(values: dict[str, Any]) -> Decimal:
    return sum((Decimal(values[k]) for k in MONEY if values.get(k) is not None), Decimal("0"))


@audited_refusal("inspection.case.change_request", obj_arg="case")
@transaction.atomic
def change_request_submit(*, actor: User, case: InspectionCase, target: str, target_id: int, changes: dict[str, Any],
                          reason: str) -> ChangeRequest:
    from zhengtong.approvals.services import approval_submit

    case = _lock(case)
    if target not in TARGET_RULES:
        raise Invalid({"target": _("Choose what to change (请选择变更对象).")})
    allow(can_request_change(case, actor, target))
    obj = _target(case, target, target_id, lock=True)
    if ChangeRequest.objects.filter(target=target, target_id=obj.pk, state=ChangeRequest.State.PENDING).exists():
        raise Invalid(_("A change of this is already waiting for approval (该数据已有待审批的变更申请)."))
    if len((reason or "").strip()) < 5:
        raise Invalid({"reason": _("Say why the change is needed (请说明变更理由).")})
    before = _values(obj, target)
    after = {**before, **_clean(target, changes)}
    if after == before:
        raise Invalid(_("The new values are the same as the current ones (变更后的数据与原数据相同)."))
    cr = ChangeRequest.objects.create(case=case, target=target, target_id=obj.pk, before=before, after=after,
                                      reason=reason.strip(), requested_by=actor)
    changed = [k for k in after if after[k] != before[k]]
    _record(case, "change_request", actor, before={k: before[k] for k in changed},
            after={"request": cr.pk, "target": target, "target_id": obj.pk, **{k: after[k] for k in changed}},
            detail=cr.reason)
    approval_submit(type_key=CHANGE_TYPE, subject_id=cr.pk, actor=actor, reason=cr.reason)
    return cr


def change_facts(cr: ChangeRequest) -> dict[str, Any]:
    """What the approval chain may route on: how much money the change moves, and what."""
    return {"amount": abs(_amount(cr.after) - _amount(cr.before)).quantize(Decimal("0.01")), "target": cr.target}


def change_request_apply(*, cr: ChangeRequest, actor: User) -> ChangeRequest:
    """Called by the approval engine on final approval, inside its transaction."""
    cr = ChangeRequest.objects.select_for_update().get(pk=cr.pk)
    if cr.state != ChangeRequest.State.PENDING:
        return cr  # idempotent
    case = _lock(cr.case)
    obj = _target(case, cr.target, cr.target_id, lock=True)
    if _values(obj, cr.target) != cr.before:
        # Someone's approved change came first: applying this one would silently undo it.
        raise Invalid(_("The data has changed since this request was made; it cannot be applied. Ask for "
                        "the change again (申请提出后数据已变化，无法执行，请重新申请)."))
    for k, v in cr.after.items():
        if k in MONEY:
            v = Decimal(v)
        elif k == "received_on":
            v = date.fromisoformat(v)
        setattr(obj, k, v)
    if cr.target == ChangeRequest.Target.DECISION:
        _check_decision(obj)
    obj.full_clean(exclude=["case", "articles", "recorded_by", "decided_by", "paper"])
    obj.save()
    cr.state, cr.decided_by, cr.decided_at = ChangeRequest.State.APPROVED, actor, timezone.now()
    cr.save()
    changed = [k for k in cr.after if cr.after[k] != cr.before[k]]
    _record(case, "change_approve", actor, before={k: cr.before[k] for k in changed},
            after={"request": cr.pk, "target": cr.target, "target_id": cr.target_id,
                   **{k: cr.after[k] for k in changed}, "requested_by": cr.requested_by_id})
    return cr


def _check_decision(decision: ReviewDecision) -> None:
    K = ReviewDecision.Kind
    if decision.kind == K.NO_VIOLATION and decision.total:
        raise Invalid(_("With no violation found, no amounts are due (无违法事实的，不应有应缴金额)."))
    if decision.kind == K.TAX_ONLY and decision.penalty_amount:
        raise Invalid(_("A tax-only decision has no penalty (仅作税务处理的，不应有罚款)."))


def change_request_close(*, cr: ChangeRequest, actor: User, state: str) -> ChangeRequest:
    """Rejected or withdrawn in the approval engine: nothing changes, the request stays."""
    cr = ChangeRequest.objects.select_for_update().get(pk=cr.pk)
    if cr.state != ChangeRequest.State.PENDING:
        return cr
    cr.state, cr.decided_by, cr.decided_at = ChangeRequest.State.REJECTED, actor, timezone.now()
    cr.decision_note = state
    cr.save()
    _record(cr.case, "change_reject", actor, after={"request": cr.pk, "target": cr.target,
                                                    "target_id": cr.target_id, "outcome": state})
    return cr

