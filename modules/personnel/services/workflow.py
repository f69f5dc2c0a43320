"""The moves' state machine, written once (issue 16 item 3).

Each step a person may take on a move (or on a person, for a new move) has one guard here. A
guard answers with the refusal the step would meet — ``Refused`` when this person may not,
``Invalid`` when the move's state does not allow it — or ``None`` when the step is open. The
services raise what the guard answers (``refuse_unless``), on the row they have locked; the
selectors ask the same guards which steps to offer (``selectors.actions_for``), so a page never
offers a button the service would refuse, and never compares status strings itself.

``user=None`` is the platform itself (the periodic jobs): no permission applies to it.
"""
from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from zhengtong.core.errors import Invalid, Refused
from zhengtong.core.permissions import can

from ..models import HandoverItem, Person, Transfer
from .common import LEAVING_KINDS, K, S, may

MANAGE_MOVES = "personnel.change_transfer"
REQUEST_MOVES = "personnel.add_transfer"
OVERRIDE_HANDOVER = "personnel.override_handover"
# A move's checklist is drawn up on approval and may change until the move takes effect or closes.
CHECKLIST_OPEN = (Transfer.Status.IN_APPROVAL, Transfer.Status.APPROVED)

Refusal = Refused | Invalid | None


def refuse_unless(refusal: Refusal) -> None:
    """Raise the refusal a guard answered; nothing when the step is open."""
    if refusal is not None:
        raise refusal


def handover_open_items(transfer: Transfer) -> list[HandoverItem]:
    """The mandatory checklist items not handed over yet."""
    return list(HandoverItem.objects.filter(transfer=transfer, mandatory=True, done=False))


def can_request_move(person: Person, user, kind: str | None = None) -> Refusal:
    """Record a new move for ``person`` (of ``kind``; any kind when None). A seconded-out person
    keeps their place here, but only leaving moves (retirement, resignation, transfer out)
    make sense before they are back."""
    refusal = may(user, REQUEST_MOVES)
    if refusal is not None:
        return refusal
    if person.external:
        return Invalid(_("This record is kept by the person's own unit and is read-only here "
                         "(该人员档案由其所在单位维护，本单位只读)."))
    seconded_out = person.status == S.SECONDED_OUT
    if person.status not in (S.IN_POST, S.SECONDED_OUT) or (seconded_out and kind is not None
                                                            and kind not in LEAVING_KINDS):
        return Invalid(_("%(name)s is %(status)s; this move is not possible now (当前状态不能办理此调配).")
                       % {"name": person.name, "status": person.get_status_display()})
    return None


def can_submit(transfer: Transfer, *, resubmission: bool = False) -> Invalid | None:
    """Put a recorded move into its approval chain (again, after a rejection or a withdrawal;
    the approvals engine resubmits one that is in approval when its chain is edited)."""
    allowed = (Transfer.Status.DRAFT, Transfer.Status.REJECTED, Transfer.Status.WITHDRAWN)
    if resubmission:
        allowed += (Transfer.Status.IN_APPROVAL,)
    if transfer.status not in allowed:
        return Invalid(_("This move is %(s)s and cannot go into approval (该调配当前状态不能提交审批).")
                       % {"s": transfer.get_status_display()})
    return None


def can_change_checklist(transfer: Transfer, user) -> Refusal:
    """Add items to the hand-over checklist, or refresh it from the other modules."""
    return may(user, MANAGE_MOVES, transfer) or (
        None if transfer.status in CHECKLIST_OPEN
        else Invalid(_("The checklist of a closed move cannot change (调配已办结，交接清单不能再修改).")))


def can_tick_item(item: HandoverItem, user) -> Refusal:
    """Tick off a manual checklist item. Items from other modules are handed over there (the
    asset gets a new custodian) and tick themselves off when the checklist is refreshed."""
    return may(user, MANAGE_MOVES, item.transfer) or (
        Invalid(_("This item is handed over in its own module (e.g. change the asset's custodian); "
                  "the checklist follows (该事项须在所属模块中办理移交).")) if item.module else None)


def can_override_handover(transfer: Transfer, user) -> Refusal:
    """Let an approved move complete although mandatory items are open (unit leader, once)."""
    if user is not None and not can(user, OVERRIDE_HANDOVER, transfer):
        return Refused(_("Only a unit leader may complete a move with open hand-over items "
                         "(仅单位领导可在交接未完成时办结)."), detail=f"lacks {OVERRIDE_HANDOVER}")
    if transfer.status != Transfer.Status.APPROVED:
        return Invalid(_("Only an approved move waiting for its date can complete with open items "
                         "(仅已批准待生效的调配可在交接未完成时办结)."))
    if transfer.handover_override_reason:
        return Invalid(_("Completion with open items is already allowed for this move "
                         "(该调配已准许在交接未完成时办结)."))
    if not handover_open_items(transfer):
        return Invalid(_("Nothing mandatory is left to hand over (没有未完成的必须交接事项)."))
    return None


def can_apply(transfer: Transfer, today: date) -> Refusal:
    """Carry out the move: approved, and its effective date has come. (The hand-over and the
    establishment are checked when it is carried out, under the row locks.)"""
    if transfer.status != Transfer.Status.APPROVED:
        return Invalid(_("Only an approved move can take effect (仅已批准的调配可以生效)."))
    if transfer.effective_date > today:
        return Invalid(_("This move takes effect on %(d)s, not before (调配自%(d)s起生效).")
                       % {"d": transfer.effective_date})
    return None


def can_reverse(transfer: Transfer, user) -> Refusal:
    """Undo a move in effect (the original history entry stays, marked reversed)."""
    refusal = may(user, MANAGE_MOVES, transfer)
    if refusal is not None:
        return refusal
    if transfer.status != Transfer.Status.APPLIED:
        return Invalid(_("Only a move in effect can be reversed (仅已生效的调配可以撤销)."))
    if transfer.exchange_ref and transfer.kind in (K.TRANSFER_OUT, K.TRANSFER_IN):
        return Invalid(_("A completed move between units is undone by a new move between the units "
                         "(跨单位调动办结后须重新办理调动)."))
    later = Transfer.objects.filter(person_id=transfer.person_id, status=Transfer.Status.APPLIED,
                                    applied_at__gt=transfer.applied_at)
    if later.exists():
        return Invalid(_("A later move of this person is in effect; reverse that one first "
                         "(该人员其后还有已生效的调配，请先撤销后者)."))
    return None


def can_end_secondment(transfer: Transfer, user) -> Refusal:
    """Bring a seconded person back (before the end date: a recall; the job does it after it)."""
    return may(user, MANAGE_MOVES, transfer) or (
        None if transfer.kind == K.SECONDMENT and transfer.status == Transfer.Status.APPLIED
        else Invalid(_("Only a secondment in effect can end (仅进行中的借调可以结束).")))
