"""Every write of the custody sub-app: keyword-only, atomic, audited.

Errors meant for people carry Chinese and English. Rows are also audited by database
triggers (apps.py ``track_changes``); the explicit ``audit_record`` calls say *what* was done
(issued, handed over, confirmed…) in the domain's words.

One file per feature; callers import ``modules.equipment.custody.services``, never the files:
``guards`` (who may act, who may hold), ``register`` (keys and credentials), ``handovers``
(leaving a post), ``damage`` (incidents and compensation), ``evaluations`` (semester scores).
"""
from .damage import (
    damage_check_submittable,
    damage_incident_create,
    damage_incident_update,
    damage_payment_record,
    damage_shares_set,
    damage_status_set,
)
from .evaluations import evaluation_finalise, evaluation_item_save, evaluation_score, evaluation_start, semester_create
from .guards import (
    CUSTODY_MOVES,
    DAMAGE_APPROVAL,
    custody_move_refusal,
    damage_change_refusal,
    damage_editable,
    damage_payment_refusal,
    evaluation_refusal,
    handover_item_refusal,
    handover_task_refusal,
    is_module_admin,
)
from .handovers import (
    handover_assign,
    handover_close,
    handover_confirm,
    handover_refresh,
    handover_reminders,
    handover_start,
    held_by,
    on_person_leaving_post,
    open_items,
)
from .register import custody_issue, custody_item_register, custody_retire, custody_return, custody_transfer

__all__ = [
    "CUSTODY_MOVES", "custody_move_refusal", "damage_change_refusal", "damage_payment_refusal", "evaluation_refusal",
    "handover_item_refusal", "handover_task_refusal",
    "DAMAGE_APPROVAL", "custody_issue", "custody_item_register", "custody_retire", "custody_return",
    "custody_transfer", "damage_check_submittable", "damage_editable", "damage_incident_create",
    "damage_incident_update", "damage_payment_record", "damage_shares_set", "damage_status_set",
    "evaluation_finalise", "evaluation_item_save", "evaluation_score", "evaluation_start", "handover_assign",
    "handover_close", "handover_confirm", "handover_refresh", "handover_reminders", "handover_start", "held_by",
    "is_module_admin", "on_person_leaving_post", "open_items", "semester_create",
]
