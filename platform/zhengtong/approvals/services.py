"""The approval engine: every state change of a request, each one atomic and audited.

Rules the engine enforces itself (a module cannot forget them):
- nobody decides on their own request, not even through a delegation;
- a step is decided only by someone holding its role in the right place — the request's
  unit for unit roles, the public schema for district roles — or by their delegate while
  the delegation is in force, or by the escalation role once the deadline has passed;
- separation of duties declared by the request type: whoever acted on step X may not act
  on step Y of the same request (also across rounds after a return);
- one vote per person on a committee step (N of M);
- two people deciding the same step at the same moment make exactly one transition: the
  request row is locked (SELECT … FOR UPDATE) before anything is read, and the loser is
  told who decided and when.

Refusals are written to the trail *after* the refused transaction has rolled back
(``audit_denied`` outside it), so they survive.

All services run in the schema of the request's unit; the district portal switches to it
before calling them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.notifications.models import Notification
from zhengtong.notifications.services import current_unit, notify
from zhengtong.registry.middleware import enabled_modules
from zhengtong.registry.registry import UNIT_ADMIN, role_label
from zhengtong.registry.rules import rules_for

from . import people
from .chains import approval_types, effective_steps, get_type, handler_for, route, type_name, validate_steps
from .models import ApprovalAction, ApprovalChain, ApprovalRequest, ApprovalStep, Delegation, DistrictPendingStep

Kind = ApprovalAction.Kind
DECISIONS = {"approve": Kind.APPROVE, "reject": Kind.REJECT, "return": Kind.RETURN}
DECISION_KINDS = (Kind.APPROVE, Kind.REJECT, Kind.RETURN)
MAX_DELEGATION_DAYS = 180


class ApprovalRefused(PermissionDenied):
    """The actor may not do this; ``code`` says why (kept in the audit trail)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class AlreadyDecided(Exception):
    """Someone else got there first (or the request moved on)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ------------------------------------------------------------------ helpers


def _local(dt: datetime | None) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def _person(user) -> str:
    return user.get_full_name() if user is not None else _("the system")


def request_path(req: ApprovalRequest) -> str:
    return f"/approvals/{req.pk}/"


def request_url(req: ApprovalRequest, *, district: bool = False, unit=None) -> str:
    from tenants.urls_util import district_url, unit_url

    unit = unit or current_unit()
    if district:
        return district_url(f"/approvals/{unit.slug}/{req.pk}/")
    return unit_url(unit, request_path(req))


def _type_or_error(type_key: str):
    found = get_type(type_key)
    if found is None:
        raise ValidationError(_("Unknown request type (未知的申请类型)."))
    return found


def _module_on(manifest) -> bool:
    unit = current_unit()
    return unit is not None and manifest.key in enabled_modules(unit)


def _snapshot(req: ApprovalRequest, step: ApprovalStep | None = None) -> dict[str, Any]:
    out = {"status": req.status, "round": req.round}
    if step is not None:
        out.update(step=step.key, step_status=step.status)
    return out


# ------------------------------------------------------------------ district index


def _index_put(req: ApprovalRequest, step: ApprovalStep) -> None:
    """Keep the public index row of a district step in line with the step (same transaction:
    the unit's schema and the public schema are one database)."""
    unit = current_unit()
    with schema_context("public"):
        DistrictPendingStep.objects.update_or_create(
            unit=unit, step_id=step.pk,
            defaults=dict(request_id=req.pk, type_key=req.type_key, role=step.role, step_name_zh=step.name_zh,
                          step_name_en=step.name_en, subject_repr=req.subject_repr, amount=req.amount,
                          requester_label=req.requester.get_full_name(), activated_at=step.activated_at,
                          due_at=step.due_at, escalate_to=step.escalate_to, escalated=bool(step.escalated_at)),
        )


def _index_drop(req: ApprovalRequest) -> None:
    unit = current_unit()
    with schema_context("public"):
        DistrictPendingStep.objects.filter(unit=unit, request_id=req.pk).delete()


# ------------------------------------------------------------------ notifications


def _notify_step_waiting(req: ApprovalRequest, step: ApprovalStep, *, role: str | None = None,
                         escalated: bool = False) -> None:
    role = role or step.role
    recipients = people.eligible_ids(role) - {req.requester_id}
    district = role.startswith("district.")
    name = type_name(_type_or_error(req.type_key)[1])
    prefix_zh, prefix_en = ("【已升级】", "[Escalated] ") if escalated else ("", "")
    notify(
        recipients=recipients, kind=Notification.Kind.APPROVAL_WAITING,
        title=f"{prefix_zh}待您审批：{name} {req.subject_repr}",
        title_en=f"{prefix_en}Waiting for your approval: {req.subject_repr}",
        body=f"步骤“{step.name_zh}”（{role_label(role)}）等待审批。申请人：{req.requester.get_full_name()}。"
             + (f"办理时限：{_local(step.due_at)}。" if step.due_at else ""),
        body_en=f"Step “{step.name_en}” waits for a decision. Requested by {req.requester.get_full_name()}."
                + (f" Due {_local(step.due_at)}." if step.due_at else ""),
        url=request_url(req, district=district),
        dedupe_key=f"{current_unit().schema_name}:step:{step.pk}:{'escalated' if escalated else 'waiting'}",
    )


def _notify_requester(req: ApprovalRequest, *, outcome_zh: str, outcome_en: str, comment: str = "") -> None:
    notify(
        recipients=[req.requester_id], kind=Notification.Kind.REQUEST_DECIDED,
        title=f"您的申请{outcome_zh}：{req.subject_repr}",
        title_en=f"Your request was {outcome_en}: {req.subject_repr}",
        body=comment, body_en=comment, url=request_url(req),
    )


# ------------------------------------------------------------------ steps


def _create_round(req: ApprovalRequest, routed: list[dict[str, Any]]) -> list[ApprovalStep]:
    return [
        ApprovalStep.objects.create(
            request=req, round=req.round, position=i, key=s["key"], name_zh=s["name_zh"], name_en=s["name_en"],
            role=s["role"], quorum=s.get("quorum") or 1, deadline_hours=s.get("deadline_hours"),
            escalate_to=s.get("escalate_to") or "", comment_required=bool(s.get("comment_required")),
        )
        for i, s in enumerate(routed, start=1)
    ]


def _activate(req: ApprovalRequest, step: ApprovalStep, now: datetime) -> None:
    step.status = ApprovalStep.Status.ACTIVE
    step.activated_at = now
    step.due_at = now + timedelta(hours=step.deadline_hours) if step.deadline_hours else None
    step.save(update_fields=["status", "activated_at", "due_at"])
    if step.is_district:
        _index_put(req, step)
    _notify_step_waiting(req, step)


def _close_step(step: ApprovalStep, status: str, actor, now: datetime) -> None:
    step.status = status
    step.decided_at = now
    step.decided_by = actor
    step.save(update_fields=["status", "decided_at", "decided_by"])


def _cancel_rest(req: ApprovalRequest) -> None:
    req.steps.filter(round=req.round, status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.ACTIVE]).update(
        status=ApprovalStep.Status.CANCELLED)
    _index_drop(req)


def _route(manifest, atype, handler, subject) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    facts = handler.facts(subject)
    steps, _own = effective_steps(atype)
    routed = route(steps, facts, rules_for(manifest))
    if not routed:
        raise ValidationError(_("No approval step applies to this request; ask the module admin to check the "
                                "chain (没有适用的审批步骤，请联系模块管理员检查审批链)."))
    return facts, routed


def _jsonable_facts(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if v is not None else None) for k, v in facts.items()}


# ------------------------------------------------------------------ submit


def approval_submit(*, type_key: str, subject_id: int, actor, reason: str = "") -> ApprovalRequest:
    """Put a subject into approval along its unit's chain for the type."""
    try:
        return _submit(type_key=type_key, subject_id=subject_id, actor=actor, reason=reason)
    except ApprovalRefused as exc:
        audit_denied(action="approvals.submit", actor=actor, object_type=type_key, object_id=subject_id,
                     detail=exc.code)
        raise


@transaction.atomic
def _submit(*, type_key: str, subject_id: int, actor, reason: str) -> ApprovalRequest:
    manifest, atype = _type_or_error(type_key)
    if not _module_on(manifest):
        raise ValidationError(_("This module is not enabled for the unit (本单位未启用该模块)."))
    handler = handler_for(atype)
    subject = handler.get_subject(subject_id, lock=True)  # serialises submissions for one subject
    if not handler.can_submit(actor, subject):
        raise ApprovalRefused(_("You may not submit this request (您无权提交此申请)."), code="may_not_submit")
    handler.check_submittable(subject)
    handler.check_request(subject)
    if ApprovalRequest.objects.filter(type_key=type_key, subject_id=subject.pk,
                                      status__in=ApprovalRequest.OPEN).exists():
        raise ValidationError(_("This is already in approval (该事项已在审批中)."))
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


# ------------------------------------------------------------------ decide


def approval_decide(*, request_id: int, step_id: int, actor, decision: str, comment: str = "",
                    via_district: bool = False) -> ApprovalRequest:
    """Approve, reject or return (for revision) the step ``step_id`` of a request.

    ``step_id`` is the step the actor saw: if it has been decided meanwhile, AlreadyDecided
    says by whom and when — the decision never slides onto the next step.
    """
    if decision not in DECISIONS:
        raise ValueError(decision)
    try:
        return _decide(request_id=request_id, step_id=step_id, actor=actor, decision=decision, comment=comment,
                       via_district=via_district)
    except ApprovalRefused as exc:
        audit_denied(action=f"approvals.{decision}", actor=actor, object_type="approvals.ApprovalRequest",
                     object_id=request_id, detail=exc.code)
        raise
    except AlreadyDecided as exc:
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
        raise ApprovalRefused(_("Sign in first (请先登录)."), code="anonymous")
    if actor.pk == req.requester_id:
        raise ApprovalRefused(_("Nobody may decide on their own request (不能审批本人提交的申请)."), code="own_request")
    candidates = people.principals_for(actor, step.role, now=now)
    if step.escalated_at and step.escalate_to and people.holds(actor, step.escalate_to):
        if all(c.pk != actor.pk for c in candidates):
            candidates.append(actor)
    if not candidates:
        raise ApprovalRefused(
            _("This step is for %(role)s; you do not hold that role here (此步骤须由%(role)s审批，您在此不具备该角色).")
            % {"role": role_label(step.role)}, code="not_role_holder")
    candidates = [c for c in candidates if c.pk != req.requester_id]
    if not candidates:
        raise ApprovalRefused(_("Nobody may decide on their own request, also not as a delegate "
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
            raise ApprovalRefused(
                _("Separation of duties: whoever acted on “%(x)s” may not act on “%(y)s” of the same request "
                  "(职责分离：已处理“%(x)s”的人员不得处理同一申请的“%(y)s”).") % {"x": names, "y": step.name},
                code="separation_of_duties")
    voted = {a.principal_id for a in step.actions.filter(kind__in=DECISION_KINDS)}
    candidates = [c for c in candidates if c.pk not in voted]
    if not candidates:
        raise ApprovalRefused(_("You have already decided on this step (您已处理过此步骤)."), code="already_voted")
    return candidates[0]


@transaction.atomic
def _decide(*, request_id: int, step_id: int, actor, decision: str, comment: str,
            via_district: bool) -> ApprovalRequest:
    now = timezone.now()
    # Lock order is always request, then step: two deciders queue on the request row, and
    # the second reads the state the first committed.
    req = ApprovalRequest.objects.select_for_update().select_related("requester").get(pk=request_id)
    step = ApprovalStep.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=step_id,
                                                                                              request=req)
    if req.status != ApprovalRequest.Status.PENDING or step.status != ApprovalStep.Status.ACTIVE:
        raise AlreadyDecided(_decided_message(req, step))
    principal = _authorize(req, step, actor, now)
    comment = (comment or "").strip()
    if decision in ("reject", "return") and not comment:
        raise ValidationError(_("Give a reason when rejecting or returning (驳回或退回时须填写理由)."))
    if decision == "approve" and step.comment_required and not comment:
        raise ValidationError(_("This step needs a comment with the decision (此步骤审批须填写意见)."))
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


# ------------------------------------------------------------------ requester actions


def approval_withdraw(*, request_id: int, actor, comment: str = "") -> ApprovalRequest:
    try:
        return _withdraw(request_id=request_id, actor=actor, comment=comment)
    except ApprovalRefused as exc:
        audit_denied(action="approvals.withdraw", actor=actor, object_type="approvals.ApprovalRequest",
                     object_id=request_id, detail=exc.code)
        raise


@transaction.atomic
def _withdraw(*, request_id: int, actor, comment: str) -> ApprovalRequest:
    req = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    if actor.pk != req.requester_id:
        raise ApprovalRefused(_("Only the requester may withdraw a request (只有申请人可以撤回申请)."),
                              code="not_requester")
    if not req.is_open:
        step = req.steps.filter(decided_at__isnull=False).select_related("decided_by").order_by("-decided_at").first()
        raise AlreadyDecided(_decided_message(req, step) if step else _("The request is closed (申请已办结)."))
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


def approval_resubmit(*, request_id: int, actor, reason: str = "") -> ApprovalRequest:
    """After a return: route the (revised) subject again and start a new round."""
    try:
        return _resubmit(request_id=request_id, actor=actor, reason=reason)
    except ApprovalRefused as exc:
        audit_denied(action="approvals.resubmit", actor=actor, object_type="approvals.ApprovalRequest",
                     object_id=request_id, detail=exc.code)
        raise


@transaction.atomic
def _resubmit(*, request_id: int, actor, reason: str) -> ApprovalRequest:
    req = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    if actor.pk != req.requester_id:
        raise ApprovalRefused(_("Only the requester may resubmit (只有申请人可以重新提交)."), code="not_requester")
    if req.status != ApprovalRequest.Status.RETURNED:
        raise ValidationError(_("Only a returned request can be resubmitted (只有被退回的申请可以重新提交)."))
    manifest, atype = _type_or_error(req.type_key)
    if not _module_on(manifest):
        raise ValidationError(_("This module is not enabled for the unit (本单位未启用该模块)."))
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


def approval_comment(*, request_id: int, actor, comment: str, step_id: int | None = None,
                     via_district: bool = False) -> ApprovalAction:
    """A remark on the request or on one of its steps, by anyone who may see the request."""
    from .selectors import can_view

    req = ApprovalRequest.objects.get(pk=request_id)
    if not can_view(actor, req):
        audit_denied(action="approvals.comment", actor=actor, obj=req, detail="may not see the request")
        raise ApprovalRefused(_("You may not comment on this request (您无权对此申请发表意见)."), code="not_visible")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Write a comment first (请填写意见内容)."))
    with transaction.atomic():
        step = req.steps.get(pk=step_id) if step_id else None
        action = ApprovalAction.objects.create(request=req, step=step, round=req.round, kind=Kind.COMMENT,
                                               actor=actor, comment=comment, via_district=via_district)
        audit_record(action="approvals.comment", actor=actor, obj=req,
                     after={"step": step.key if step else None}, detail=comment)
    return action


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


# ------------------------------------------------------------------ chains


def can_edit_chain(user, manifest) -> bool:
    return bool(user and user.is_authenticated and user.has_role(manifest.module_admin_role, UNIT_ADMIN))


def approval_chain_update(*, type_key: str, steps: list[dict[str, Any]], actor) -> list[dict[str, Any]]:
    """Replace the unit's chain for a request type (validated; audited old → new)."""
    manifest, atype = _type_or_error(type_key)
    if not can_edit_chain(actor, manifest):
        audit_denied(action="approvals.chain.update", actor=actor, object_type="approvals.chain",
                     object_id=type_key, object_repr=atype.name_zh)
        raise ApprovalRefused(_("Only the module admin may change approval chains (只有模块管理员可以修改审批链)."),
                              code="not_module_admin")
    return _chain_store(manifest=manifest, atype=atype, steps=steps, actor=actor)


@transaction.atomic
def _chain_store(*, manifest, atype, steps, actor) -> list[dict[str, Any]]:
    clean = validate_steps(steps, atype, manifest)
    old, _own = effective_steps(atype)
    row, _created = ApprovalChain.objects.select_for_update().get_or_create(type_key=atype.key)
    row.steps = clean
    row.updated_by_id = actor.pk
    row.save()
    if old != clean:
        audit_record(action="approvals.chain.update", actor=actor, object_type="approvals.chain",
                     object_id=atype.key, object_repr=atype.name_zh, before={"steps": old}, after={"steps": clean})
    return clean


def approval_chain_reset(*, type_key: str, actor) -> None:
    """Back to the module's default chain."""
    manifest, atype = _type_or_error(type_key)
    if not can_edit_chain(actor, manifest):
        audit_denied(action="approvals.chain.reset", actor=actor, object_type="approvals.chain", object_id=type_key)
        raise ApprovalRefused(_("Only the module admin may change approval chains (只有模块管理员可以修改审批链)."),
                              code="not_module_admin")
    with transaction.atomic():
        old, own = effective_steps(atype)
        if own:
            ApprovalChain.objects.filter(type_key=type_key).delete()
            audit_record(action="approvals.chain.reset", actor=actor, object_type="approvals.chain",
                         object_id=type_key, object_repr=atype.name_zh, before={"steps": old},
                         after={"steps": effective_steps(atype)[0]})


# ------------------------------------------------------------------ delegations


def delegation_create(*, actor, delegate, role: str, valid_from: datetime, valid_until: datetime,
                      note: str = "") -> Delegation:
    """Let ``delegate`` act for ``actor`` on ``role`` within the period (time-boxed).

    Stored where the role lives: a district role's delegation in the public schema, a unit
    role's in the unit's schema; so is its audit record.
    """
    schema = people.role_schema(role)
    with schema_context(schema):
        try:
            return _delegation_store(actor=actor, delegate=delegate, role=role, valid_from=valid_from,
                                     valid_until=valid_until, note=note)
        except ApprovalRefused as exc:
            audit_denied(action="approvals.delegate", actor=actor, object_type="approvals.Delegation",
                         object_repr=role, detail=exc.code)
            raise


@transaction.atomic
def _delegation_store(*, actor, delegate, role, valid_from, valid_until, note) -> Delegation:
    from tenant_users.permissions.models import UserTenantPermissions

    if not people.holds(actor, role):
        raise ApprovalRefused(_("You can only delegate a role you hold (只能委托本人持有的角色)."), code="not_role_holder")
    errors = []
    if delegate is None or delegate.pk == actor.pk:
        errors.append(_("Choose someone else to act for you (请选择他人作为代理人)."))
    elif not delegate.is_active or not UserTenantPermissions.objects.filter(profile=delegate).exists():
        errors.append(_("The delegate must be an active member here (代理人须为本单位在职成员)."))
    if valid_until <= valid_from:
        errors.append(_("The period must end after it starts (结束时间须晚于开始时间)."))
    elif valid_until - valid_from > timedelta(days=MAX_DELEGATION_DAYS):
        errors.append(_("A delegation lasts at most %(d)d days (委托期限最长%(d)d天).") % {"d": MAX_DELEGATION_DAYS})
    elif valid_until <= timezone.now():
        errors.append(_("The period is already over (委托期限已过)."))
    if errors:
        raise ValidationError(errors)
    d = Delegation.objects.create(delegator=actor, delegate=delegate, role=role, valid_from=valid_from,
                                  valid_until=valid_until, note=note.strip()[:200])
    audit_record(action="approvals.delegate", actor=actor, obj=d, object_repr=f"{role} → {delegate}",
                 after={"role": role, "delegate": delegate.pk, "from": valid_from, "until": valid_until})
    return d


def delegation_revoke(*, actor, delegation_id: int, role_schema: str) -> Delegation:
    with schema_context(role_schema):
        with transaction.atomic():
            d = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
            if d is not None and d.delegator_id == actor.pk:
                if d.revoked_at is None:
                    d.revoked_at = timezone.now()
                    d.save(update_fields=["revoked_at"])
                    audit_record(action="approvals.delegate.revoke", actor=actor, obj=d,
                                 object_repr=f"{d.role} → {d.delegate_id}", before={"revoked": False},
                                 after={"revoked": True})
                return d
        audit_denied(action="approvals.delegate.revoke", actor=actor, object_type="approvals.Delegation",
                     object_id=delegation_id)
        raise ApprovalRefused(_("Only the delegator may end a delegation (只有委托人可以撤销委托)."), code="not_delegator")


__all__ = [
    "AlreadyDecided", "ApprovalRefused", "approval_chain_reset", "approval_chain_update", "approval_comment",
    "approval_decide", "approval_resubmit", "approval_submit", "approval_types", "approval_withdraw",
    "deadlines_check", "delegation_create", "delegation_revoke",
]


def decision_refusal(req: ApprovalRequest, step: ApprovalStep, actor) -> str | None:
    """Why ``actor`` could not decide ``step`` now (None: they can). Reads only — the page
    uses it to offer the decision buttons; the decision itself checks again under lock."""
    if req.status != ApprovalRequest.Status.PENDING or step.status != ApprovalStep.Status.ACTIVE:
        return _decided_message(req, step)
    try:
        _authorize(req, step, actor, timezone.now())
    except ApprovalRefused as exc:
        return exc.message
    return None
