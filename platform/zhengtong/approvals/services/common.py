"""What the engine's transitions share: the request's links, the district's index of its
steps, the notices, and making, opening and closing steps."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.core.errors import Invalid
from zhengtong.core.hosts import district_url, unit_url
from zhengtong.core.tenancy import current_unit, module_enabled
from zhengtong.core.updates import snapshot
from zhengtong.notifications.models import Notification
from zhengtong.notifications.services import notify
from zhengtong.registry.registry import role_label
from zhengtong.registry.rules import rules_for

from .. import people
from ..chains import effective_steps, get_type, route, type_name
from ..models import ApprovalAction, ApprovalRequest, ApprovalStep, DistrictPendingStep

Kind = ApprovalAction.Kind
DECISIONS = {"approve": Kind.APPROVE, "reject": Kind.REJECT, "return": Kind.RETURN}
DECISION_KINDS = (Kind.APPROVE, Kind.REJECT, Kind.RETURN)


# ------------------------------------------------------------------ helpers


def _local(dt: datetime | None) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def _person(user) -> str:
    return user.get_full_name() if user is not None else _("the system")


def request_path(req: ApprovalRequest) -> str:
    return f"/approvals/{req.pk}/"


def request_url(req: ApprovalRequest, *, district: bool = False, unit=None) -> str:
    unit = unit or current_unit()
    if district:
        return district_url(f"/approvals/{unit.slug}/{req.pk}/")
    return unit_url(unit, request_path(req))


def _type_or_error(type_key: str):
    found = get_type(type_key)
    if found is None:
        raise Invalid(_("Unknown request type (未知的申请类型)."))
    return found


def _module_on(manifest) -> bool:
    return module_enabled(manifest.key)


def _snapshot(req: ApprovalRequest, step: ApprovalStep | None = None) -> dict[str, Any]:
    """What a transition's audit event shows of the request (and of the step it acted on)."""
    out = snapshot(req, ("status", "round"))
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
        raise Invalid(_("No approval step applies to this request; ask the module admin to check the "
                                "chain (没有适用的审批步骤，请联系模块管理员检查审批链)."))
    return facts, routed


def _jsonable_facts(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if v is not None else None) for k, v in facts.items()}
