"""Role keys and the permissions this sub-app adds to the equipment module's roles.

Kept apart from the equipment manifest so that file only needs a few small additions."""
from __future__ import annotations

MANAGER = "equipment.manager"  # e1equip's role: the information centre (信息化管理中心)
CUSTODY_OFFICER = "equipment.custody_officer"  # 钥匙与密码保管员: the key store and hand-overs only
MODULE_ADMIN = "equipment.module_admin"
UNIT_ADMIN = "platform.unit_admin"

CUSTODY_PERMS = (
    "equipment_custody.view_custodyitem", "equipment_custody.add_custodyitem",
    "equipment_custody.change_custodyitem",
    "equipment_custody.view_handovertask", "equipment_custody.add_handovertask",
    "equipment_custody.change_handovertask",
)
# The information centre also establishes damage responsibility (with the unit's leadership,
# who approve) and runs the semester evaluation (essay 篇四, items 七 and 十三).
MANAGER_PERMS = (
    *CUSTODY_PERMS,
    "equipment_custody.view_damageincident", "equipment_custody.add_damageincident",
    "equipment_custody.change_damageincident",
    "equipment_custody.view_evaluation", "equipment_custody.add_evaluation",
    "equipment_custody.change_evaluation",
)


def is_module_admin(user) -> bool:
    """Module admins (and the unit admin) configure the evaluation checklist and semesters."""
    return bool(user and user.is_authenticated and user.has_role(MODULE_ADMIN, UNIT_ADMIN))
