"""Deciding a step (approve, reject, return for revision), who may, and remarks on a request."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Conflict, Invalid, Refused, audited_refusal
from zhengtong.registry.registry import role_label

from .. import people
from ..chains import get_type, handler_for
from ..models import ApprovalAction, ApprovalRequest, ApprovalStep
from .common import (
    DECISION_KINDS,
    DECISIONS,
    Kind,
    _activate,
    _cancel_rest,
    _close_step,
    _index_drop,
    _local,
    _notify_requester,
    _person,
    _snapshot,
    _type_or_error,
)

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


# ------------------------------------------------------------------ decide


@audited_refusal("approvals.{decision}", obj_arg="request_id", object_type="approvals.ApprovalRequest")
def approval_decide(*, request_id: int, step_id: int, actor: User, decision: str, comment: str = "",
                    via_district: bool = False) -> ApprovalRequest:
    """Approve, reject or return (for revision) the step ``step_id`` of a request.

    ``step_id`` is the step the actor saw: if it has been decided meanwhile, ``Conflict``
    says by whom and when — the decision never slides onto the next step. That too is
    written to the trail (a failure, outside the rolled-back transaction).
    """
    if decision not in DECISIONS:
        raise ValueError(decision)
    try:
        return _decide(request_id=request_id, step_id=step_id, actor=actor, decision=decision, comment=comment,
                       via_district=via_district)
    except Conflict as exc:
        audit_record(action=f"approvals.{decision}", actor=actor, object_type="approvals.ApprovalRequest",
                     object_id=request_id, result=AuditEvent.Result.FAILURE, detail=exc.message)
        raise


def _decided_message(req: ApprovalRequest, step: ApprovalStep) -> str:
    if step.decided_by_id and step.status in (ApprovalStep.Status.APPROVED, ApprovalStep.Status.REJECTED,
                                              ApprovalStep.Status.RETURNED):
        return _("Already decided by %(who)s at %(when)s: %(what)s (已由%(who)s于%(when)s处理：%(what)s).") % {
            "who": _person(step.decided_by), "when": _local(step.decided_at), "what": step.get_status_display()}
    last = req.actions.filter(kind__in=[*DECISION_KINDS, Kind.WITHDRAW]).select_related("actor").last()
    if last is not None:
        return _("This step no longer waits for a decision: %(what)s by %(who)s at %(when)s "
                 "(该步骤已不在待审状态：%(who)s于%(when)s%(what)s).") % {
            "what": last.get_kind_display(), "who": _person(last.actor), "when": _local(last.created_at)}
    return _("This step does not wait for a decision (该步骤不在待审状态).")


def _authorize(req: ApprovalRequest, step: ApprovalStep, actor, now: datetime):
    """Whose decision this will be (the actor or the holder they stand in for), or refuse."""
    if actor is None or not actor.is_authenticated:
        raise Refused(_("Sign in first (请先登录)."), code="anonymous")
    if actor.pk == req.requester_id:
        raise Refused(_("Nobody may decide on their own request (不能审批本人提交的申请)."), code="own_request")
    candidates = people.principals_for(actor, step.role, now=now)
    if step.escalated_at and step.escalate_to and people.holds(actor, step.escalate_to):
        if all(c.pk != actor.pk for c in candidates):
            candidates.append(actor)
    if not candidates:
        raise Refused(
            _("This step is for %(role)s; you do not hold that role here (此步骤须由%(role)s审批，您在此不具备该角色).")
            % {"role": role_label(step.role)}, code="not_role_holder")
    candidates = [c for c in candidates if c.pk != req.requester_id]
    if not candidates:
        raise Refused(_("Nobody may decide on their own request, also not as a delegate "
                        "(不能代理审批申请人本人的申请)."), code="own_request")
    found = get_type(req.type_key)
    guarded = [x for x, y in (found[1].separation_of_duties if found else ()) if y == step.key]
    if guarded:
        acted: set[int] = set()
        for a_id, b_id in ApprovalAction.objects.filter(request=req, step__key__in=guarded,
                                                        kind__in=DECISION_KINDS).values_list("actor_id",
                                                                                             "on_behalf_of_id"):
            acted |= {a_id, b_id}
        if actor.pk in acted or not (candidates := [c for c in candidates if c.pk not in acted]):
            names = ", ".join(s.name for s in req.steps.filter(key__in=guarded).distinct()[:3]) or ", ".join(guarded)
            raise Refused(
                _("Separation of duties: whoever acted on “%(x)s” may not act on “%(y)s” of the same request "
                  "(职责分离：已处理“%(x)s”的人员不得处理同一申请的“%(y)s”).") % {"x": names, "y": step.name},
                code="separation_of_duties")
    voted = {a.principal_id for a in step.actions.filter(kind__in=DECISION_KINDS)}
    candidates = [c for c in candidates if c.pk not in voted]
    if not candidates:
        raise Refused(_("You have already decided on this step (您已处理过此步骤)."), code="already_voted")
    return candidates[0]


@transaction.atomic
def _decide(*, request_id: int, step_id: int, actor: User, decision: str, comment: str,
            via_district: bool) -> ApprovalRequest:
    now = timezone.now()
    # Lock order is always request, then step: two deciders queue on the request row, and
    # the second reads the state the first committed.
    req = ApprovalRequest.objects.select_for_update().select_related("requester").get(pk=request_id)
    step = ApprovalStep.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=step_id,
                                                                                              request=req)
    if req.status != ApprovalRequest.Status.PENDING or step.status != ApprovalStep.Status.ACTIVE:
        raise Conflict(_decided_message(req, step))
    principal = _authorize(req, step, actor, now)
    comment = (comment or "").strip()
    if decision in ("reject", "return") and not comment:
        raise Invalid(_("Give a reason when rejecting or returning (驳回或退回时须填写理由)."))
    if decision == "approve" and step.comment_required and not comment:
        raise Invalid(_("This step needs a comment with the decision (此步骤审批须填写意见)."))
    before = _snapshot(req, step)
    ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=DECISIONS[decision], actor=actor,
                                  on_behalf_of=principal if principal.pk != actor.pk else None, comment=comment,
                                  via_district=via_district)
    manifest, atype = _type_or_error(req.type_key)
    handler = handler_for(atype)
    if decision == "approve":
        yes = {a.principal_id for a in step.actions.filter(kind=Kind.APPROVE)}
        if len(yes) >= step.quorum:
            _close_step(step, ApprovalStep.Status.APPROVED, actor, now)
            if step.is_district:
                _index_drop(req)
            following = req.steps.filter(round=req.round, status=ApprovalStep.Status.WAITING).order_by("position")
            nxt = following.first()
            if nxt is not None:
                _activate(req, nxt, now)
            else:
                _complete(req, handler, actor, now)
    elif decision == "reject":
        no = {a.principal_id for a in step.actions.filter(kind=Kind.REJECT)}
        # A committee step fails once the members who have not said no cannot reach the quorum.
        members = people.holder_ids(step.role) - {req.requester_id}
        if step.quorum <= 1 or len(members - no) < step.quorum:
            _close_step(step, ApprovalStep.Status.REJECTED, actor, now)
            _cancel_rest(req)
            req.status = ApprovalRequest.Status.REJECTED
            req.decided_at = now
            req.save(update_fields=["status", "decided_at", "updated_at"])
            handler.on_closed(request=req, subject=handler.get_subject(req.subject_id, lock=True), actor=actor)
            _notify_requester(req, outcome_zh="被驳回", outcome_en="rejected", comment=comment)
    else:  # return for revision: back to the requester, who may revise and resubmit
        _close_step(step, ApprovalStep.Status.RETURNED, actor, now)
        _cancel_rest(req)
        req.status = ApprovalRequest.Status.RETURNED
        req.save(update_fields=["status", "updated_at"])
        _notify_requester(req, outcome_zh="被退回修改", outcome_en="returned for revision", comment=comment)
    req.refresh_from_db(fields=["status", "decided_at"])
    step.refresh_from_db(fields=["status"])
    audit_record(action=f"approvals.{decision}", actor=actor, obj=req, before=before,
                 after={**_snapshot(req, step), "on_behalf_of": principal.pk if principal.pk != actor.pk else None,
                        "via_district": via_district},
                 detail=comment)
    return req


def _complete(req: ApprovalRequest, handler, actor, now: datetime) -> None:
    req.status = ApprovalRequest.Status.APPROVED
    req.decided_at = now
    req.save(update_fields=["status", "decided_at", "updated_at"])
    handler.on_approved(request=req, subject=handler.get_subject(req.subject_id, lock=True), actor=actor)
    ApprovalAction.objects.create(request=req, round=req.round, kind=Kind.COMPLETE, actor=None)
    _notify_requester(req, outcome_zh="已审批通过", outcome_en="approved")


# ------------------------------------------------------------------ remarks


@audited_refusal("approvals.comment", obj_arg="request_id", object_type="approvals.ApprovalRequest")
def approval_comment(*, request_id: int, actor: User, comment: str, step_id: int | None = None,
                     via_district: bool = False) -> ApprovalAction:
    """A remark on the request or on one of its steps, by anyone who may see the request."""
    from ..selectors import can_view

    req = ApprovalRequest.objects.get(pk=request_id)
    if not can_view(actor, req):
        raise Refused(_("You may not comment on this request (您无权对此申请发表意见)."), code="not_visible",
                      detail="may not see the request")
    comment = (comment or "").strip()
    if not comment:
        raise Invalid(_("Write a comment first (请填写意见内容)."))
    with transaction.atomic():
        step = req.steps.get(pk=step_id) if step_id else None
        action = ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=Kind.COMMENT,
                                               actor=actor, comment=comment, via_district=via_district)
        audit_record(action="approvals.comment", actor=actor, obj=req,
                     after={"step": step.key if step else None}, detail=comment)
    return action


def decision_refusal(req: ApprovalRequest, step: ApprovalStep, actor: User) -> str | None:
    """Why ``actor`` could not decide ``step`` now (None: they can). Reads only — the page
    uses it to offer the decision buttons; the decision itself checks again under lock."""
    if req.status != ApprovalRequest.Status.PENDING or step.status != ApprovalStep.Status.ACTIVE:
        return _decided_message(req, step)
    try:
        _authorize(req, step, actor, timezone.now())
    except Refused as exc:
        return exc.message
    return None
