"""Reads of the cross-unit transfer handshake: who may act in which unit, the units a sender
may name, the hand-over still open in the sender, where a person is active.

Each read runs in the schema it names (``schema_context``): a unit's roles and records live in
its own schema, the handshake's record in the public one.
"""
from __future__ import annotations

from django_tenants.utils import schema_context

from tenants.models import Unit

from . import workflow
from .models import CrossUnitTransfer, ExchangeSettings

HR = "personnel.hr"
DISTRICT_HR = "district.hr_bureau"
MODULE = "personnel"


# ----------------------------------------------------------------------------- who may act


def _holds_in(user, unit: Unit, role: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    with schema_context(unit.schema_name):
        return user.has_role(role)


def is_unit_hr(user, unit: Unit) -> bool:
    return _holds_in(user, unit, HR)


def is_district_hr(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    with schema_context("public"):
        return user.has_role(DISTRICT_HR)


def may_read_exchanges(user, unit: Unit) -> bool:
    """HR, and the unit leader: they may let a transfer complete with hand-over open. The
    sidebar offers the page on the same test."""
    return is_unit_hr(user, unit) or user.has_perm("personnel.override_handover")


def actions_for(user, unit: Unit | None, transfer: CrossUnitTransfer) -> set[str]:
    """The steps ``user`` may take on ``transfer`` from ``unit`` (None: the district portal):
    ``"accept"``/``"decline"`` (the receiver's HR), ``"withdraw"`` (the sender's HR),
    ``"override_handover"`` (the sender's leader), ``"order"`` (either party's HR, the 调令 PDF),
    ``"decide"`` (the district HR bureau). Each is its party's test and the step's guard
    (exchange/workflow.py), the same the services apply."""
    if unit is None:
        return {"decide"} if is_district_hr(user) and workflow.can_decide(transfer) is None else set()
    actions: set[str] = set()
    hr = is_unit_hr(user, unit)
    if transfer.receiver_id == unit.pk and hr and workflow.can_answer(transfer) is None:
        actions |= {"accept", "decline"}
    if transfer.sender_id == unit.pk:
        if hr and workflow.can_withdraw(transfer) is None:
            actions.add("withdraw")
        if user.has_perm("personnel.override_handover") and workflow.can_override_handover(transfer) is None:
            actions.add("override_handover")
    if hr and workflow.can_print_order(transfer) is None:
        actions.add("order")
    return actions


# ----------------------------------------------------------------------------- the district and its units


def exchange_settings_for(district) -> ExchangeSettings | None:
    if district is None:
        return None
    return ExchangeSettings.objects.filter(district=district).first()


def receiving_units(sender: Unit):
    """Units the sender may name as receiver: same district, personnel switched on, active."""
    from tenants.models import UnitModule

    on = UnitModule.objects.filter(module_key=MODULE, enabled=True).values("unit_id")
    return (Unit.objects.filter(pk__in=on, status=Unit.Status.ACTIVE, district=sender.district)
            .exclude(pk=sender.pk).exclude(schema_name="public").order_by("name"))


def vacancy_of(post) -> int:
    """Free places of ``post`` (in the current schema): establishment minus the people who
    hold one of its places and the places promised to approved moves."""
    from ..selectors import post_vacancy

    return post_vacancy(post)


def handover_open(transfer: CrossUnitTransfer) -> list:
    """What the person still holds in the sender's modules (mandatory items), read in the
    sender's schema: the transfer cannot complete while any is open, unless overridden."""
    from zhengtong.registry.handover import handover_items_for

    from ..models import Person

    with schema_context(transfer.sender.schema_name):
        user_id = Person.objects.filter(pk=transfer.sender_person_id).values_list("user_id", flat=True).first()
        return [i for i in handover_items_for(user_id=user_id) if i.mandatory] if user_id else []


def active_units_of(person_uid) -> list[Unit]:
    """The units where the person with ``person_uid`` is active (in post or seconded): the
    invariant of the handshake is that this list never has two entries."""
    from ..models import Person

    units = []
    for unit in Unit.objects.exclude(schema_name="public").filter(module_switches__module_key=MODULE,
                                                                    module_switches__enabled=True):
        with schema_context(unit.schema_name):
            # A seconded-in copy (external) is the receiver's read-only view, not a kept record.
            if Person.objects.filter(uid=person_uid, status__in=Person.ACTIVE, external=False).exists():
                units.append(unit)
    return units
