"""The requester's side: putting a subject into approval, withdrawing it, resubmitting it
after a return."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Conflict, Invalid, Refused, audited_refusal

from ..chains import handler_for
from ..models import ApprovalAction, ApprovalRequest
from .common import (
    Kind,
    _activate,
    _cancel_rest,
    _create_round,
    _jsonable_facts,
    _module_on,
    _route,
    _snapshot,
    _type_or_error,
)
from .decide import _decided_message

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


# ------------------------------------------------------------------ submit


@audited_refusal("approvals.submit", obj_arg="subject_id", object_type="{type_key}")
@transaction.atomic
def approval_submit(*, type_key: str, subject_id: int, actor: User, reason: str = "") -> ApprovalRequest:
    """Put a subject into approval along its unit's chain for the type."""
    manifest, atype = _type_or_error(type_key)
    if not _module_on(manifest):
        raise Invalid(_("This module is not enabled for the unit (本单位未启用该模块)."))
    handler = handler_for(atype)
    subject = handler.get_subject(subject_id, lock=True)  # serialises submissions for one subject
    if not handler.can_submit(actor, subject):
        raise Refused(_("You may not submit this request (您无权提交此申请)."), code="may_not_submit")
    handler.check_submittable(subject)
    handler.check_request(subject)
    if ApprovalRequest.objects.filter(type_key=type_key, subject_id=subject.pk,
                                      status__in=ApprovalRequest.OPEN).exists():
        raise Invalid(_("This is already in approval (该事项已在审批中)."))
    facts, routed = _route(manifest, atype, handler, subject)
    now = timezone.now()
    amount = facts.get("amount")
    req = ApprovalRequest.objects.create(
        type_key=type_key, subject_type=subject._meta.label, subject_id=subject.pk,
        subject_repr=handler.describe(subject)[:200], amount=amount, facts=_jsonable_facts(facts),
        reason=reason.strip(), requester=actor, submitted_at=now,
    )
    steps = _create_round(req, routed)
    ApprovalAction.objects.create(request=req, round=req.round, kind=Kind.SUBMIT, actor=actor, comment=req.reason)
    handler.on_submitted(request=req, subject=subject, actor=actor)
    audit_record(action="approvals.submit", actor=actor, obj=req,
                 after={"type": type_key, "subject": req.subject_repr, "amount": amount,
                        "route": [s.key for s in steps], "reason": req.reason})
    _activate(req, steps[0], now)
    return req


# ------------------------------------------------------------------ requester actions


def _own_request(request_id: int, actor: User, refusal: str) -> ApprovalRequest:
    """The request, locked, when ``actor`` filed it: only the requester withdraws or resubmits."""
    req = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    if actor.pk != req.requester_id:
        raise Refused(refusal, code="not_requester")
    return req


@audited_refusal("approvals.withdraw", obj_arg="request_id", object_type="approvals.ApprovalRequest")
@transaction.atomic
def approval_withdraw(*, request_id: int, actor: User, comment: str = "") -> ApprovalRequest:
    req = _own_request(request_id, actor, _("Only the requester may withdraw a request (只有申请人可以撤回申请)."))
    if not req.is_open:
        step = req.steps.filter(decided_at__isnull=False).select_related("decided_by").order_by("-decided_at").first()
        raise Conflict(_decided_message(req, step) if step else _("The request is closed (申请已办结)."))
    before = _snapshot(req)
    now = timezone.now()
    _cancel_rest(req)
    req.status = ApprovalRequest.Status.WITHDRAWN
    req.decided_at = now
    req.save(update_fields=["status", "decided_at", "updated_at"])
    ApprovalAction.objects.create(request=req, round=req.round, kind=Kind.WITHDRAW, actor=actor,
                                  comment=(comment or "").strip())
    _manifest, atype = _type_or_error(req.type_key)
    handler = handler_for(atype)
    handler.on_closed(request=req, subject=handler.get_subject(req.subject_id, lock=True), actor=actor)
    audit_record(action="approvals.withdraw", actor=actor, obj=req, before=before, after=_snapshot(req),
                 detail=comment)
    return req


@audited_refusal("approvals.resubmit", obj_arg="request_id", object_type="approvals.ApprovalRequest")
@transaction.atomic
def approval_resubmit(*, request_id: int, actor: User, reason: str = "") -> ApprovalRequest:
    """After a return: route the (revised) subject again and start a new round."""
    req = _own_request(request_id, actor, _("Only the requester may resubmit (只有申请人可以重新提交)."))
    if req.status != ApprovalRequest.Status.RETURNED:
        raise Invalid(_("Only a returned request can be resubmitted (只有被退回的申请可以重新提交)."))
    manifest, atype = _type_or_error(req.type_key)
    if not _module_on(manifest):
        raise Invalid(_("This module is not enabled for the unit (本单位未启用该模块)."))
    handler = handler_for(atype)
    subject = handler.get_subject(req.subject_id, lock=True)
    handler.check_submittable(subject, resubmission=True)
    facts, routed = _route(manifest, atype, handler, subject)
    before = _snapshot(req)
    now = timezone.now()
    req.round += 1
    req.status = ApprovalRequest.Status.PENDING
    req.amount = facts.get("amount")
    req.facts = {**req.facts, **_jsonable_facts(facts)}  # keeps what the handler noted (status before)
    req.subject_repr = handler.describe(subject)[:200]
    if reason.strip():
        req.reason = reason.strip()
    req.save()
    steps = _create_round(req, routed)
    ApprovalAction.objects.create(request=req, round=req.round, kind=Kind.RESUBMIT, actor=actor,
                                  comment=reason.strip())
    handler.on_submitted(request=req, subject=subject, actor=actor)
    audit_record(action="approvals.resubmit", actor=actor, obj=req, before=before,
                 after={**_snapshot(req), "route": [s.key for s in steps], "amount": req.amount})
    _activate(req, steps[0], now)
    return req

