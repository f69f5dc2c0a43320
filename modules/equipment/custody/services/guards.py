"""Who may act in the custody sub-app, and who may hold what (an active member of this unit).

Each step of a workflow (a key's moves, a hand-over's, a damage incident's, an evaluation's) has
one guard here answering why a person may not take it now (``Refused``: not theirs to take;
``Invalid``: not in this state), or None. The services raise what it answers; the selectors'
``*_actions_for`` offer the steps whose guard says None, so the pages never restate the rules."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengtong.core.errors import Invalid, Refused

from ..declarations import MODULE_ADMIN, UNIT_ADMIN
from ..models import CustodyItem, DamageIncident, DamageShare, Evaluation, HandoverItem, HandoverTask

DAMAGE_APPROVAL = "equipment.damage"


def _member_here(user) -> bool:
    """Does ``user`` belong to the unit whose schema is active? (per-unit permissions row)"""
    from tenant_users.permissions.models import UserTenantPermissions

    return bool(user and user.is_active and UserTenantPermissions.objects.filter(profile_id=user.pk).exists())


def _require(actor, perm: str, message: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise Refused(message)


def _name(user) -> str:
    return (user.get_short_name() or user.email) if user is not None else "—"


def _holder_check(person) -> None:
    if person is None or not _member_here(person):
        raise Invalid(_("The holder must be an active member of this unit (保管人必须是本单位的在职成员)."))


def is_module_admin(user) -> bool:
    """Module admins (and the unit admin) configure the evaluation checklist and semesters."""
    return bool(user and user.is_authenticated and user.has_role(MODULE_ADMIN, UNIT_ADMIN))


def _may(user, perm: str) -> bool:
    return user is not None and user.is_authenticated and user.has_perm(perm)


def check(refusal: Refused | Invalid | None) -> None:
    """Raise what a guard answered, if it answered anything."""
    if refusal is not None:
        raise refusal


# ----------------------------------------------------------------------------- the custody register
# Each move of a key or credential: who may make it, and from which state. The register's page
# offers the moves these allow (selectors.custody_actions_for); the services check them again.
CUSTODY_MOVES = ("issue", "transfer", "return", "retire")
_MAY_NOT_MOVE = {
    "issue": gettext_lazy("You may not issue keys (您无权发放钥匙)."),
    "return": gettext_lazy("You may not take back keys (您无权收回钥匙)."),
    "transfer": gettext_lazy("You may not transfer keys (您无权转交钥匙)."),
    "retire": gettext_lazy("You may not retire keys (您无权注销钥匙)."),
}


def custody_move_refusal(item: CustodyItem, user, move: str, *, check_permission: bool = True
                         ) -> Refused | Invalid | None:
    """Why ``user`` may not ``move`` ``item`` now, or None. ``check_permission=False``: the hand-over
    moves a key for the unit once its new holder confirms (no custody role needed)."""
    if check_permission and not _may(user, "equipment_custody.change_custodyitem"):
        return Refused(str(_MAY_NOT_MOVE[move]))
    status = CustodyItem.Status
    if move == "issue" and item.status != status.IN_STORE:
        return Invalid(_("Only an item in the key store can be issued; this one is %(s)s (只有在库的物品可以发放).")
                       % {"s": item.get_status_display()})
    if move in ("return", "transfer") and item.status != status.HELD:
        return Invalid(_("This item is not held by anyone (该物品当前无人保管)."))
    if move == "retire" and item.status == status.RETIRED:
        return Invalid(_("This item is already retired (该物品已注销)."))
    return None


# ----------------------------------------------------------------------------- hand-overs
_MAY_NOT_CHANGE_TASK = gettext_lazy("You may not change hand-over tasks (您无权修改移交任务).")


def handover_task_refusal(task: HandoverTask, user, action: str) -> Refused | Invalid | None:
    """Why ``user`` may not ``refresh`` or ``close`` ``task``, or None. Closing also needs every item
    confirmed: the service says which are not (the button is offered, the refusal lists them)."""
    if not _may(user, "equipment_custody.change_handovertask"):
        return Refused(_("You may not close hand-over tasks (您无权关闭移交任务).") if action == "close"
                       else str(_MAY_NOT_CHANGE_TASK))
    if task.status != HandoverTask.Status.OPEN:
        return Invalid(_("This hand-over task is already closed (该移交任务已关闭).") if action == "close"
                       else _("This hand-over task is closed (该移交任务已关闭)."))
    return None


def handover_item_refusal(item: HandoverItem, user, action: str) -> Refused | Invalid | None:
    """Why ``user`` may not ``assign`` (name the new holder of) or ``confirm`` (receive) ``item``, or None."""
    if action == "assign" and not _may(user, "equipment_custody.change_handovertask"):
        return Refused(str(_MAY_NOT_CHANGE_TASK))
    if action == "confirm" and (user is None or not user.is_authenticated or item.new_holder_id != user.pk):
        return Refused(_("Only the named new holder can confirm receipt (只有指定的接收人本人可以确认接收)."))
    if item.task.status != HandoverTask.Status.OPEN:
        return Invalid(_("This hand-over task is closed (该移交任务已关闭)."))
    if item.confirmed_at is not None:
        return Invalid(_("This item has already been received (该事项已确认接收)."))
    if item.dropped_note:  # moved by someone else meanwhile: nothing left to hand over
        return Invalid(_("This item is no longer held by the person leaving (该事项已不由移交人持有)."))
    return None


# ----------------------------------------------------------------------------- damage incidents
def damage_editable(incident: DamageIncident) -> bool:
    """Shares and cost can change while being established, or when the approver returned the
    request for revision (the engine then waits for a resubmission)."""
    if incident.status == DamageIncident.Status.DRAFT:
        return True
    if incident.status == DamageIncident.Status.IN_APPROVAL:
        from zhengtong.approvals.models import ApprovalRequest

        latest = (ApprovalRequest.objects.filter(type_key=DAMAGE_APPROVAL, subject_id=incident.pk)
                  .order_by("-pk").values_list("status", flat=True).first())
        return latest == ApprovalRequest.Status.RETURNED
    return False


_MAY_NOT_CHANGE_INCIDENT = gettext_lazy("You may not change damage incidents (您无权修改损坏事件).")


def damage_change_refusal(incident: DamageIncident, user) -> Refused | Invalid | None:
    """Why ``user`` may not change ``incident`` (its facts or its shares) now, or None."""
    if not _may(user, "equipment_custody.change_damageincident"):
        return Refused(str(_MAY_NOT_CHANGE_INCIDENT))
    if not damage_editable(incident):
        return Invalid(_("This incident can no longer be changed: it is %(s)s (该事件已进入审批或已批准，不能修改).")
                       % {"s": incident.get_status_display()})
    return None


def damage_payment_refusal(incident: DamageIncident, user, share: DamageShare | None = None
                           ) -> Refused | Invalid | None:
    """Why ``user`` may not record a payment of ``incident`` (of ``share``, if named) now, or None."""
    if not _may(user, "equipment_custody.change_damageincident"):
        return Refused(_("You may not record payments (您无权登记赔偿款)."))
    if incident.status != DamageIncident.Status.APPROVED:
        return Invalid(_("Payments are recorded only after the apportionment is approved "
                         "(赔偿分摊经审批后才能登记缴款)."))
    if share is not None and share.paid_on is not None:
        return Invalid(_("This payment has already been recorded (该笔赔偿已登记缴款)."))
    return None


# ----------------------------------------------------------------------------- evaluations
def evaluation_refusal(evaluation: Evaluation, user, action: str) -> Refused | Invalid | None:
    """Why ``user`` may not ``score`` or ``finalise`` ``evaluation``, or None: a draft only."""
    if not _may(user, "equipment_custody.change_evaluation"):
        return Refused(_("You may not evaluate places (您无权进行考评)."))
    if evaluation.status != Evaluation.Status.DRAFT:
        return Invalid(_("This evaluation is already final (该考评已定稿).") if action == "finalise"
                       else _("This evaluation is final and can no longer be changed (该考评已定稿，不能修改)."))
    return None
