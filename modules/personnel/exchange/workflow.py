"""The handshake's state machine, written once (issue 16 item 3): one guard per step, answering
the ``Invalid`` the step would meet in the transfer's present state, or ``None`` when it is open.

Who may take a step (the receiver's HR, the sender's HR or leader, the district HR bureau) is
the selectors' ``is_unit_hr``/``is_district_hr``; the services check both, on the locked row,
and ``selectors.actions_for`` asks both for the steps a page offers.
"""
from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from zhengtong.core.errors import Invalid

from .models import CrossUnitTransfer

Status = CrossUnitTransfer.Status


def can_answer(transfer: CrossUnitTransfer) -> Invalid | None:
    """The receiving unit accepts or declines (调入) while the transfer waits for it."""
    if transfer.status != Status.ISSUED:
        return Invalid(_("This transfer is no longer waiting for the receiving unit (该调动已不在待接收状态)."))
    return None


def can_withdraw(transfer: CrossUnitTransfer) -> Invalid | None:
    if not transfer.is_open:
        return Invalid(_("Only an open transfer can be withdrawn (只能撤回未办结的调动)."))
    return None


def can_override_handover(transfer: CrossUnitTransfer) -> Invalid | None:
    if not transfer.is_open:
        return Invalid(_("Only an open transfer can be changed (只能修改未办结的调动)."))
    return None


def can_decide(transfer: CrossUnitTransfer) -> Invalid | None:
    """The district HR bureau approves or rejects while the transfer waits for it."""
    if transfer.status != Status.DISTRICT:
        return Invalid(_("This transfer is not waiting for the district HR bureau (该调动不在待区人社局审批状态)."))
    return None


def can_complete(transfer: CrossUnitTransfer, today: date) -> Invalid | None:
    if transfer.status != Status.APPROVED:
        return Invalid(_("This transfer is not approved (该调动尚未批准)."))
    if transfer.effective_date > today:
        return Invalid(_("This transfer takes effect on %(d)s (该调动于%(d)s生效).")
                       % {"d": transfer.effective_date.isoformat()})
    return None


def can_print_order(transfer: CrossUnitTransfer) -> Invalid | None:
    """The transfer order (调令) exists once a transfer — not a secondment — has completed."""
    if transfer.status != Status.COMPLETED or transfer.kind != CrossUnitTransfer.Kind.TRANSFER:
        return Invalid(_("A transfer order exists only for a completed transfer (仅已办结的调动有调令)."))
    return None
