"""Every write of the equipment module: keyword-only, atomic, audited.

The essays' rules become checks here: a device type's rules set says who may use it, which
training a user must hold (a VALID certification: passed and not expired), whether use must
be logged; repairs are done by technicians only ("由专人维修，其他人员不得私自动手维修");
maintenance and inspections follow each type's interval.

One file per feature; this package's names are the module's service API (callers import
``modules.equipment.services`` and never the files):

- ``guards``       who may do what, the unit's rules
- ``setup``        places, device types (rules sets), devices
- ``use``          usage rules, certifications, check-out/in, the logbook
- ``training``     courses, exams, certifications
- ``repairs``      fault reports and repair tickets
- ``maintenance``  the maintenance/inspection schedule, overdue warnings, inspection records
"""
from .guards import (
    TRANSITIONS,
    RulesNotAcknowledged,
    fault_report_refusal,
    is_technician,
    is_type_admin,
    may_require_training,
    rules,
    ticket_move_refusal,
)
from .maintenance import CERTIFICATION_NOTICE_DAYS, inspection_record, maintenance_schedule, overdue_warn
from .repairs import fault_report, ticket_transition
from .setup import (
    asset_card_for,
    device_register,
    device_type_require_training,
    device_type_save,
    device_update,
    place_create,
    place_update,
)
from .training import ExamResult, course_save, exam_submit, question_add, question_remove
from .use import (
    checkin_refusal,
    checkout_refusal,
    device_checkin,
    device_checkout,
    device_state_refusal,
    has_acknowledged,
    person_use_refusal,
    rules_acknowledge,
    session_log,
    use_refusal,
    valid_certification,
)

__all__ = [
    "checkin_refusal", "checkout_refusal", "device_state_refusal", "fault_report_refusal", "person_use_refusal",
    "CERTIFICATION_NOTICE_DAYS", "TRANSITIONS", "ExamResult", "RulesNotAcknowledged", "asset_card_for",
    "course_save", "device_checkin", "device_checkout", "device_register", "device_type_require_training",
    "device_type_save", "device_update", "exam_submit", "fault_report", "has_acknowledged", "inspection_record",
    "is_technician", "is_type_admin", "maintenance_schedule", "may_require_training", "overdue_warn",
    "place_create", "place_update", "question_add", "question_remove", "rules", "rules_acknowledge",
    "session_log", "ticket_move_refusal", "ticket_transition", "use_refusal", "valid_certification",
]
