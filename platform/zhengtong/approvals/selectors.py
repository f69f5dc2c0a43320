"""Reads for the approval pages, filtered by who may see what."""
from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.registry.registry import UNIT_ADMIN

from . import people
from .chains import get_type, handler_for
from .models import ApprovalAction, ApprovalRequest, ApprovalStep, DistrictPendingStep


def _may_act_for(user, role: str) -> bool:
    return bool(people.principals_for(user, role))


def can_view(user, req: ApprovalRequest, *, district: bool = False) -> bool:
    """Requester, anyone who took part, anyone who holds (or stands in for) one of its
    steps' roles; in the unit also its unit admin, the type's module admin and whoever may
    see the subject. From the district portal only the district roles count."""
    if user is None or not user.is_authenticated:
        return False
    if not district:
        if req.requester_id == user.pk:
            return True
        found = get_type(req.type_key)
        if user.has_role(UNIT_ADMIN) or (found and user.has_role(found[0].module_admin_role)):
            return True
        if req.actions.filter(Q(actor=user) | Q(on_behalf_of=user)).exists():
            return True
        if found and _sees_subject(user, req, found[1]):
            return True
    roles = set(req.steps.values_list("role", flat=True)) | set(
        req.steps.exclude(escalate_to="").filter(escalated_at__isnull=False).values_list("escalate_to", flat=True))
    if district:
        roles = {r for r in roles if r.startswith("district.")}
    return any(_may_act_for(user, r) for r in roles)


def _sees_subject(user, req: ApprovalRequest, atype) -> bool:
    """Whoever may see the subject (the asset card) may follow its requests."""
    handler = handler_for(atype)
    try:
        subject = handler.get_subject(req.subject_id)
    except ObjectDoesNotExist:
        return False
    return bool(handler.can_view_subject(user, subject))


def waiting_for(user) -> list[tuple[ApprovalRequest, ApprovalStep]]:
    """Active steps in this unit the user may decide now (not their own requests)."""
    steps = (ApprovalStep.objects
             .filter(status=ApprovalStep.Status.ACTIVE, request__status=ApprovalRequest.Status.PENDING)
             .exclude(request__requester=user).select_related("request", "request__requester")
             .order_by("activated_at"))
    answers: dict[str, bool] = {}

    def may(role: str) -> bool:
        if role not in answers:
            answers[role] = _may_act_for(user, role)
        return answers[role]

    out = []
    for step in steps:
        if may(step.role) or (step.escalated_at and step.escalate_to and may(step.escalate_to)):
            voted = {a.principal_id for a in step.actions.filter(kind__in=["approve", "reject", "return"])}
            if user.pk not in voted:
                out.append((step.request, step))
    return out


def requests_of(user) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(requester=user).select_related("requester")


def unit_requests(user, *, status: str = "") -> QuerySet[ApprovalRequest]:
    """Every request in the unit, for its unit admin; module admins see their modules' types."""
    from .chains import approval_types

    if user.has_role(UNIT_ADMIN):
        qs = ApprovalRequest.objects.all()
    else:
        keys = [t.key for m, t in approval_types() if user.has_role(m.module_admin_role)]
        qs = ApprovalRequest.objects.filter(type_key__in=keys)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("requester")


def request_for(user, pk: int, *, district: bool = False) -> ApprovalRequest | None:
    req = ApprovalRequest.objects.select_related("requester").filter(pk=pk).first()
    if req is None or not can_view(user, req, district=district):
        return None
    return req


def timeline(req: ApprovalRequest) -> QuerySet[ApprovalAction]:
    return req.actions.select_related("actor", "on_behalf_of", "step").order_by("created_at", "id")


def steps_of(req: ApprovalRequest) -> QuerySet[ApprovalStep]:
    return req.steps.select_related("decided_by").order_by("round", "position")


def open_request_for_subject(type_key: str, subject_id: int) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(type_key=type_key, subject_id=subject_id,
                                          status__in=ApprovalRequest.OPEN).first()


def requests_for_subject(type_key: str, subject_id: int) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(type_key=type_key, subject_id=subject_id).order_by("-id")


def district_pending(user) -> list[DistrictPendingStep]:
    """Steps across all units waiting for a district role the user holds or stands in for
    (escalated steps also for the escalation role)."""
    with schema_context("public"):
        rows = list(DistrictPendingStep.objects.select_related("unit").order_by("activated_at"))
        answers: dict[str, bool] = {}

        def may(role: str) -> bool:
            if role not in answers:
                answers[role] = _may_act_for(user, role)
            return answers[role]

        now = timezone.now()
        for row in rows:
            row.overdue = bool(row.due_at and row.due_at <= now)
        return [r for r in rows if may(r.role) or (r.escalated and r.escalate_to and may(r.escalate_to))]
