"""What the IT projects module (信息化项目管理, 篇六) tells the platform: the essay's departments as
roles, the class bounds as rules, the approval (立项) type whose chain the class picks, the
approval notice (立项批准通知书) as a report, and the sidebar."""
from decimal import Decimal

from zhengtong.registry.manifest import (
    ApprovalStepSpec,
    ApprovalType,
    ConditionField,
    ModuleManifest,
    NavEntry,
    ReportSpec,
    RoleSpec,
    RuleField,
    StepCondition,
)

IT_AUTHORITY = "projects.it_authority"
FINANCE = "projects.finance"
EQUIPMENT = "projects.equipment"
SUPERVISION = "projects.supervision"
LEADER = "projects.leader"
STAFF = "projects.staff"
MODULE_ADMIN = "projects.module_admin"  # made by the registry for every module
# The district step of a 重大 project. The platform has no district IT authority (区大数据局) role
# yet; the district finance bureau decides district-level investment until it has one.
DISTRICT_STEP_ROLE = "district.finance_bureau"

_SEE_ALL = ("projects.view_project",)
_APPLY = ("projects.add_project",)

APPROVAL = ApprovalType(
    key="projects.approval",
    name_zh="信息化项目立项",
    name_en="IT project approval",
    handler="modules.projects.approvals.ProjectApprovalHandler",
    # 第八条、第九条: finance and equipment review what concerns them; 第十四条: the IT authority
    # (运营改善部) reviews and reports; a 重大 project goes up to the district.
    default_chain=(
        ApprovalStepSpec("finance", "计财部审查", "Finance review", role=FINANCE, deadline_hours=120),
        ApprovalStepSpec("equipment", "设备部（网络）审查", "Equipment and network review", role=EQUIPMENT,
                         deadline_hours=120),
        ApprovalStepSpec("it_authority", "运营改善部（信息化主管）审批", "IT authority approval", role=IT_AUTHORITY,
                         deadline_hours=120),
        ApprovalStepSpec("district", "区级审批（重大项目）", "District approval (major project)",
                         role=DISTRICT_STEP_ROLE, deadline_hours=240,
                         conditions=(StepCondition("project_class", "in", ["major"]),)),
    ),
    condition_fields=(ConditionField("amount", "decimal", "投资估算（元）", "Estimated investment (yuan)"),
                      ConditionField("project_class", "text", "项目类别（general 一般, large 大型, major 重大）",
                                     "Project class (general, large, major)")),
)

RULES = (
    RuleField("general_max", "decimal", Decimal("500000.00"), "一般项目投资上限（元，含）",
              "General project: investment up to (yuan, inclusive)", min_value=Decimal("0.01")),
    RuleField("large_max", "decimal", Decimal("10000000.00"), "大型项目投资上限（元，含）；超过为重大项目",
              "Large project: investment up to (yuan, inclusive); above is major", min_value=Decimal("0.01")),
)


def validate_rules(values: dict) -> dict[str, str]:
    if values.get("general_max") is not None and values.get("large_max") is not None:
        if values["large_max"] <= values["general_max"]:
            return {"large_max": "大型项目上限必须高于一般项目上限 / The large bound must be above the general bound."}
    return {}


MANIFEST = ModuleManifest(
    key="projects",
    name_zh="信息化项目管理",
    name_en="IT projects",
    app_label="projects",
    urls="modules.projects.urls",
    description_zh="信息化项目立项：投资估算定类、按类别审批、立项批准通知书、业务项目组",
    description_en="IT project approval: class from the investment, chain by class, approval notice, project group",
    roles=(
        RoleSpec(IT_AUTHORITY, "信息化主管部门（运营改善部）", "IT authority",
                 permissions=(*_SEE_ALL, *_APPLY, "projects.change_project"),
                 description_zh="组织立项请示、审批与上报",
                 description_en="Organises, reviews and reports project approvals"),
        RoleSpec(FINANCE, "计财部", "Finance", permissions=_SEE_ALL,
                 description_zh="审查立项请示中的财务问题",
                 description_en="Reviews the financial side of applications"),
        RoleSpec(EQUIPMENT, "设备部（网络）", "Equipment and network", permissions=_SEE_ALL,
                 description_zh="审查立项请示中的设备与网络问题",
                 description_en="Reviews the equipment and network side of applications"),
        RoleSpec(SUPERVISION, "纪检监督（党群工作部）", "Supervision", permissions=_SEE_ALL,
                 description_zh="监督招投标过程", description_en="Supervises tendering"),
        RoleSpec(LEADER, "申请单位负责人", "Applying unit's leader", permissions=(*_SEE_ALL, *_APPLY),
                 description_zh="业务项目经理，提交本单位的立项申请",
                 description_en="Business project manager; submits the unit's applications"),
        RoleSpec(STAFF, "项目申请人", "Applicant", permissions=_APPLY,
                 description_zh="填报并提交自己的立项申请", description_en="Drafts and submits own applications"),
    ),
    rules=RULES,
    rules_validator=validate_rules,
    approval_types=(APPROVAL,),
    reports=(
        ReportSpec("projects.approval_notice", "立项批准通知书", "Project approval notice",
                   builder="modules.projects.reports.notice.build",
                   form="modules.projects.reports.notice.NoticeParameters",
                   # Offered to whoever may see projects: every project, or their own applications.
                   permission=(*_SEE_ALL, *_APPLY),
                   description_zh="已批准项目的立项批准通知书（在项目页面申请）",
                   description_en="The approval notice of an approved project (requested from its page)"),
    ),
    navigation=(
        NavEntry("projects:list", "信息化项目", "IT projects"),
        NavEntry("projects:create", "立项申请", "Apply for a project", permission="projects.add_project"),
    ),
)
