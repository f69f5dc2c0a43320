"""What the personnel module tells the platform: roles (HR keeps the records, department heads
see their department, the unit leader approves and alone may override the establishment and
hand-over checks), rules, approval types (one per kind of transfer, each with its own chain),
periodic jobs and navigation."""
from zhengtong.registry.handover import PERSON_LEAVING_POST
from zhengtong.registry.manifest import (
    ApprovalStepSpec,
    ApprovalType,
    ConditionField,
    ModuleManifest,
    NavEntry,
    PeriodicTask,
    ReportSpec,
    RoleSpec,
    RuleField,
    holds_role,
)
from zhengtong.registry.registry import DISTRICT_HR

from .exchange import declarations as exchange  # cross-unit transfers (调出/调入 between units)

HR = "personnel.hr"
DEPARTMENT_HEAD = "personnel.department_head"
LEADER = "personnel.leader"

_HR_PERMS = tuple(f"personnel.{a}_{m}" for m in ("person", "transfer", "department", "post")
                  for a in ("view", "add", "change")) + ("personnel.reveal_id_number",)

# (kind, zh, en): each kind of transfer is its own request type so a unit can give e.g.
# promotions a longer chain (party committee) than internal moves.
TRANSFER_KINDS = (
    ("internal", "内部调动", "Internal transfer"),
    ("transfer_out", "调出", "Transfer out"),
    ("transfer_in", "调入", "Transfer in"),
    ("secondment", "借调", "Secondment"),
    ("promotion", "晋升", "Promotion"),
    ("demotion", "降职", "Demotion"),
    ("appointment", "任职", "Appointment"),
    ("removal", "免职", "Removal from post"),
    ("retirement", "退休", "Retirement"),
    ("resignation", "辞职", "Resignation"),
)


def approval_type_key(kind: str) -> str:
    return f"personnel.transfer_{kind}"


def _transfer_type(kind: str, zh: str, en: str) -> ApprovalType:
    return ApprovalType(
        key=approval_type_key(kind),
        name_zh=f"人员调配：{zh}",
        name_en=f"Personnel move: {en}",
        handler="modules.personnel.approvals.TransferHandler",
        default_chain=(
            ApprovalStepSpec("hr_review", "人事部门审核", "HR review", role=HR, deadline_hours=72),
            ApprovalStepSpec("leader", "单位领导审批", "Unit leader", role=LEADER, deadline_hours=120),
        ),
        condition_fields=(ConditionField("department", "text", "调入部门", "Department moved to"),
                          ConditionField("employment_type", "text", "人员类别", "Employment type")),
        # HR checks, the leader decides: one person may not do both on the same move.
        separation_of_duties=(("hr_review", "leader"),),
    )


APPROVAL_TYPES = tuple(_transfer_type(*k) for k in TRANSFER_KINDS)

# Reports (modules/personnel/reports/): the transfer order of a cross-unit transfer, and the figures.
REPORTS = (
    *exchange.REPORTS,
    ReportSpec("personnel.flows", "人员流入流出统计", "Inflow and outflow",
               builder="modules.personnel.reports.tables.flows_report",
               form="modules.personnel.reports.tables.PeriodParameters", permission="personnel.view_transfer",
               description_zh="按期间、部门和类型统计的人员流入流出",
               description_en="Moves by period, department and type"),
    ReportSpec("personnel.establishment", "编制使用情况", "Establishment usage",
               builder="modules.personnel.reports.tables.establishment_report", permission="personnel.view_post",
               description_zh="各部门岗位的编制数、在编、待入与空编",
               description_en="Establishment, occupied and vacant places per post"),
    ReportSpec("personnel.secondments", "借调人员情况", "Secondments outstanding",
               builder="modules.personnel.reports.tables.secondments_report", permission="personnel.view_person",
               description_zh="借出、借入尚未归还的人员及到期日",
               description_en="People seconded out or in, with end dates"),
)

MANIFEST = ModuleManifest(
    key="personnel",
    name_zh="人员流动调配",
    name_en="Personnel mobility",
    app_label="personnel",
    urls="modules.personnel.urls",
    district_urls="modules.personnel.urls_district",
    description_zh="人员档案、机构编制、调配审批与生效、借调、工作交接、动态跟踪与查询",
    description_en="Staff records, establishment, transfers with approval and effective dates, secondments, "
                   "hand-over checklists, tracking and search",
    roles=(
        RoleSpec(HR, "人事干部", "HR officer", permissions=_HR_PERMS,
                 description_zh="管理本单位全部人员档案与调配，可查看完整身份证号（留痕）",
                 description_en="Keeps every record and move of the unit; may reveal full ID numbers (audited)"),
        RoleSpec(DEPARTMENT_HEAD, "部门负责人", "Department head",
                 description_zh="查看本部门（含下级部门）人员", description_en="Sees the people of their department"),
        RoleSpec(LEADER, "单位领导", "Unit leader",
                 permissions=("personnel.view_person", "personnel.view_transfer", "personnel.add_transfer",
                              "personnel.view_department",
                              "personnel.view_post", "personnel.override_establishment",
                              "personnel.override_handover"),
                 description_zh="审批调配；可在写明理由后超编或在交接未完成时办结（留痕）",
                 description_en="Approves moves; may exceed the establishment or complete with open hand-over "
                                "items, with a written reason (audited)"),
    ),
    rules=(
        RuleField("secondment_reminder_days", "int_list", [30, 7], "借调到期提醒（提前天数）",
                  "Secondment end reminders (days before)"),
        *exchange.RULES,
    ),
    approval_types=APPROVAL_TYPES,
    periodic_tasks=(
        # Idempotent: a transfer is applied once; reminders once per (transfer, days before).
        PeriodicTask("personnel.transfers_apply_due", 3600),
        PeriodicTask("personnel.secondments_check", 6 * 3600),
        *exchange.PERIODIC,
    ),
    reports=REPORTS,
    imports=("personnel.person", "personnel.history"),  # modules/personnel/imports.py; exports.py
    events_emitted=(PERSON_LEAVING_POST,),
    navigation=(
        NavEntry("personnel:person_list", "人员档案", "Staff records"),
        NavEntry("personnel:transfer_list", "人员调配", "Moves"),
        NavEntry("personnel:organisation", "机构与编制", "Organisation and establishment",
                 permission="personnel.view_post"),
        *exchange.NAVIGATION,
        NavEntry("personnel:figures", "统计图表", "Figures and charts", permission="personnel.view_transfer"),
    ),
    # The district views ask for the HR bureau's role (views_district.DISTRICT_READERS).
    district_navigation=(
        *exchange.DISTRICT_NAVIGATION,
        NavEntry("personnel_district:rollup", "各单位人员统计", "Personnel figures by unit",
                 check=holds_role(DISTRICT_HR)),
    ),
    demo="modules.personnel.demo.seed",  # manage.py seed_demo
)
