"""What the custody sub-app adds to the equipment manifest (modules/equipment/manifest.py
spreads these in): its role and the permissions it adds to the equipment manager's, navigation,
the damage approval type, the evaluation report, the daily hand-over reminders, the
PERSON_LEAVING_POST handler and the hand-over provider.

Data read before the apps are ready: no models imported here."""
from __future__ import annotations

from zhengtong.registry.handover import PERSON_LEAVING_POST
from zhengtong.registry.manifest import (
    ApprovalStepSpec,
    ApprovalType,
    ConditionField,
    NavEntry,
    PeriodicTask,
    ReportSpec,
    RoleSpec,
)

MANAGER = "equipment.manager"  # the equipment module's role: the information centre (信息化管理中心)
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

ROLES = (
    RoleSpec(CUSTODY_OFFICER, "钥匙与密码保管员", "Keys and credentials officer",
             permissions=CUSTODY_PERMS,
             description_zh="登记钥匙、门卡和账号的保管人（不记录密码本身），发放、收回、转交，办理离岗移交",
             description_en="Keeps the register of who holds keys, cards and accounts (never the passwords), "
                            "issues, takes back, transfers, runs hand-overs"),
)

NAVIGATION = (
    NavEntry("equipment:custody_list", "钥匙与密码保管", "Keys and credentials"),
    NavEntry("equipment:handover_list", "离岗移交", "Hand-overs"),
    NavEntry("equipment:damage_list", "损坏赔偿", "Damage and compensation"),
    NavEntry("equipment:evaluation_home", "学期考评", "Semester evaluations"),
)

# 赔偿分摊: the information centre establishes it, the unit's leadership approves.
DAMAGE = ApprovalType(
    key="equipment.damage",
    name_zh="设施损坏赔偿分摊",
    name_en="Damage compensation apportionment",
    handler="modules.equipment.custody.approvals.DamageApportionmentHandler",
    default_chain=(
        ApprovalStepSpec("unit_head", "学校主管行政审批", "Unit leadership", role=UNIT_ADMIN, deadline_hours=120),
    ),
    condition_fields=(ConditionField("amount", "decimal", "损失金额（元）", "Cost (yuan)"),
                      ConditionField("kind", "text", "性质（loss/human_damage/wear）",
                                     "Kind (loss/human_damage/wear)")),
)
APPROVAL_TYPES = (DAMAGE,)

REPORTS = (
    ReportSpec("equipment.evaluation_results", "学期考评结果", "Semester evaluation results",
               builder="modules.equipment.custody.reports.evaluation_results",
               form="modules.equipment.custody.reports.EvaluationParameters",
               permission="equipment_custody.view_evaluation",
               description_zh="一个学期各场所及责任人的考评得分与排名（PDF）",
               description_en="A semester's scores and ranks of places and responsible people (PDF)"),
)

# Daily reminders of hand-over items waiting for their new holder's confirmation (tasks.py).
PERIODIC_TASKS = (PeriodicTask("equipment.custody_handover_reminders", 24 * 3600),)

EVENTS_HANDLED = {PERSON_LEAVING_POST: "modules.equipment.custody.services.on_person_leaving_post"}
HANDOVER_PROVIDER = "modules.equipment.custody.handover.handover_items"
