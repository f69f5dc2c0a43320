"""Writes of the personnel module: keyword-only, atomic, audited. One file per part of the
module (organisation, people, transfers, handover, secondments, cross_unit; common holds what
they share; workflow the one guard of each step of a move); this package names every service
the rest of the module and the platform call.

Tracked models (apps.py) get a data.* audit event from a database trigger for every row
change; the services add the business events (request, apply, reverse, override, reveal)
that say *why*. ``actor=None`` means the platform itself (the periodic job).

Cross-unit moves (modules/personnel/exchange) run the services of cross_unit.py once in each
unit's schema, each inside that schema's transaction.
"""
from .common import (
    KIND_RULES,
    LEAVING_KINDS,
    PERSON_FIELDS,
    POSITION_FIELDS,
    EstablishmentFull,
    HandoverOpen,
    name_initials,
)
from .cross_unit import (
    person_history_export,
    person_receive,
    person_secondment_in_end,
    person_secondment_in_record,
    person_transfer_out_complete,
    system_user,
)
from .handover import (
    handover_generate,
    handover_item_add,
    handover_item_done,
    transfer_handover_override,
)
from .organisation import (
    department_create,
    department_update,
    post_create,
    post_establishment_set,
    post_occupants,
    post_reserved,
)
from .people import id_numbers_rotate, person_create, person_reveal_id_number, person_update
from .secondments import secondment_return, secondments_check
from .transfers import (
    transfer_apply,
    transfer_apply_due,
    transfer_check_changes,
    transfer_request,
    transfer_reverse,
    transfer_status_set,
)
from .workflow import (
    can_apply,
    can_change_checklist,
    can_end_secondment,
    can_override_handover,
    can_request_move,
    can_reverse,
    can_submit,
    can_tick_item,
    handover_open_items,
    refuse_unless,
)

__all__ = [
    "KIND_RULES", "LEAVING_KINDS", "PERSON_FIELDS", "POSITION_FIELDS", "EstablishmentFull", "HandoverOpen",
    "name_initials",
    "department_create", "department_update", "post_create", "post_establishment_set", "post_occupants",
    "post_reserved",
    "id_numbers_rotate", "person_create", "person_reveal_id_number", "person_update",
    "transfer_apply", "transfer_apply_due", "transfer_check_changes", "transfer_request", "transfer_reverse",
    "transfer_status_set",
    "handover_generate", "handover_item_add", "handover_item_done", "handover_open_items",
    "transfer_handover_override",
    "secondment_return", "secondments_check",
    "can_apply", "can_change_checklist", "can_end_secondment", "can_override_handover", "can_request_move",
    "can_reverse", "can_submit", "can_tick_item", "refuse_unless",
    "person_history_export", "person_receive", "person_secondment_in_end", "person_secondment_in_record",
    "person_transfer_out_complete", "system_user",
]
