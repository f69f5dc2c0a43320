"""What the inspection module tells the platform: roles (one per stage, so the stages check
each other), the rules a module admin sets per unit, navigation and periodic tasks."""
from decimal import Decimal

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
from zhengtong.registry.registry import DISTRICT_OPERATOR

from .indicators import INDICATORS

SELECTOR = "inspection.selector"
INSPECTOR = "inspection.inspector"
REVIEWER = "inspection.reviewer"
EXECUTOR = "inspection.executor"
SUPERVISOR = "inspection.supervisor"
MODULE_ADMIN = "inspection.module_admin"

_READ_REGISTER = ("inspection.view_inspectedentity", "inspection.view_financialfiling",
                  "inspection.view_industrybenchmark", "inspection.view_regulationarticle")

# Default weights add up to 100, so without flags a score reads as "points out of 100".
DEFAULT_WEIGHTS = {
    "tax_burden": 20, "gross_margin": 15, "sales_profit_tax": 10, "cost_profit": 10, "inventory_turnover": 10,
    "purchase_sales": 10, "revenue_change": 10, "receivables_turnover": 8, "quick_ratio": 7,
}
DEFAULT_THRESHOLDS = {key: 30 for key in DEFAULT_WEIGHTS} | {"tax_burden": 20, "revenue_change": 50}


def _indicator_rules() -> tuple[RuleField, ...]:
    fields = []
    for ind in INDICATORS:
        fields.append(RuleField(
            f"weight_{ind.key}", "decimal", Decimal(DEFAULT_WEIGHTS[ind.key]).quantize(Decimal("0.01")),
            f"权重：{ind.name_zh}", f"Weight: {ind.name_en}", min_value=Decimal("0"), max_value=Decimal("100"),
            help_zh="偏离达到阈值两倍时计满该权重分；0 表示不参与评分",
            help_en="Full weight at twice the threshold; 0 leaves the indicator out"))
        fields.append(RuleField(
            f"threshold_{ind.key}", "decimal", Decimal(DEFAULT_THRESHOLDS[ind.key]).quantize(Decimal("0.01")),
            f"预警阈值（偏离行业值%）：{ind.name_zh}", f"Threshold (% away from the industry): {ind.name_en}",
            min_value=Decimal("1"), max_value=Decimal("1000")))
    return tuple(fields)


RULES = (
    *_indicator_rules(),
    RuleField("key_taxpayer_points", "decimal", Decimal("5.00"), "重点税源户加分", "Points for a key taxpayer",
              min_value=Decimal("0"), max_value=Decimal("100")),
    RuleField("abnormal_filing_points", "decimal", Decimal("10.00"), "每项异常申报加分",
              "Points per abnormal-filing flag", min_value=Decimal("0"), max_value=Decimal("100"),
              help_zh="异常申报：有收入零税额、零收入申报、连续亏损",
              help_en="Abnormal filings: revenue with no tax, zero revenue, consecutive losses"),
    RuleField("loss_periods", "int", 2, "连续亏损期数（认定异常）", "Consecutive loss periods counted as abnormal",
              min_value=2, max_value=12),
    RuleField("candidate_min_score", "decimal", Decimal("10.00"), "列入候选名单的最低分",
              "Lowest score on the candidate list", min_value=Decimal("0"), max_value=Decimal("1000")),
    RuleField("benchmark_min_sample", "int", 3, "计算行业基准的最少申报户数",
              "Fewest filings to compute an industry benchmark", min_value=3, max_value=1000),
    # Separation of duties: the platform enforces the minimum; rules can only add to it.
    RuleField("min_inspectors", "int", 2, "每案最少检查人员", "Fewest inspectors per case", min_value=2,
              max_value=10),
    RuleField("one_stage_per_person", "bool", False, "一人一案只参与一个环节",
              "Nobody takes part in two stages of one case",
              help_zh="开启后，选案、检查、审理、执行任一环节的人员不得参与同案其他环节（默认已禁止选案人检查、检查人审理、审理人执行）",
              help_en="Always enforced: the selector cannot inspect, inspectors cannot review, reviewers cannot "
                      "execute. This makes it stricter."),
    RuleField("assign_days", "int", 5, "分配检查人员期限（天）", "Days to assign inspectors", min_value=1,
              max_value=90),
    RuleField("inspection_days", "int", 60, "检查期限（天）", "Days for the inspection", min_value=1, max_value=365),
    RuleField("review_days", "int", 30, "审理期限（天）", "Days for the review", min_value=1, max_value=365),
    RuleField("payment_days", "int", 15, "缴款期限（天）", "Days to pay after the decision", min_value=1,
              max_value=365),
    RuleField("execution_days", "int", 90, "执行期限（天）", "Days for the execution", min_value=1, max_value=730),
)


def validate_rules(values: dict) -> dict[str, str]:
    weights = [values.get(f"weight_{i.key}") for i in INDICATORS]
    if all(w is not None for w in weights) and sum(weights) <= 0:
        return {None: "至少一项指标的权重应大于0 / At least one indicator needs a weight above 0."}
    return {}


# Maker-checker on submitted data (services/changes.py): by default the chief approves; a
# module admin may add steps (e.g. a review committee above an amount) in the chain editor.
CHANGE = ApprovalType(
    key="inspection.change",
    name_zh="稽查数据变更",
    name_en="Change of submitted inspection data",
    handler="modules.inspection.approvals.ChangeRequestHandler",
    default_chain=(
        ApprovalStepSpec("chief", "稽查局长审批", "Inspection chief", role=SUPERVISOR, deadline_hours=72),
    ),
    condition_fields=(ConditionField("amount", "decimal", "变动金额（元）", "Amount moved (yuan)"),
                      ConditionField("target", "text", "变更对象", "What changes")),
)

_CASE_DOC = dict(form="modules.inspection.reports.documents.CaseParameters",
                 permission="inspection.issue_case_documents")
REPORTS = (
    ReportSpec("inspection.review_report", "审理报告", "Review report",
               builder="modules.inspection.reports.documents.review_report", **_CASE_DOC,
               description_zh="案件的审理报告（从案件页面生成）",
               description_en="A case's review report (from the case page)"),
    ReportSpec("inspection.tax_decision", "税务处理决定书", "Tax treatment decision",
               builder="modules.inspection.reports.documents.tax_decision", **_CASE_DOC,
               description_zh="追缴税款、加收滞纳金（从案件页面生成）",
               description_en="Tax and late fees (from the case page)"),
    ReportSpec("inspection.penalty_decision", "税务行政处罚决定书", "Penalty decision",
               builder="modules.inspection.reports.documents.penalty_decision", **_CASE_DOC,
               description_zh="罚款（从案件页面生成）", description_en="The penalty (from the case page)"),
)

MANIFEST = ModuleManifest(
    key="inspection",
    name_zh="税务稽查",
    name_en="Tax inspection",
    app_label="inspection",
    urls="modules.inspection.urls",
    district_urls="modules.inspection.urls_district",
    description_zh="计算机选案、检查、审理、执行四环节相互制约，全程留痕",
    description_en=("Computer-led case selection, inspection, review and execution checking each other; "
                    "every step traced"),
    roles=(
        RoleSpec(SELECTOR, "选案人员", "Case selector",
                 permissions=(*_READ_REGISTER, "inspection.add_inspectedentity", "inspection.change_inspectedentity",
                              "inspection.add_financialfiling", "inspection.add_industrybenchmark",
                              "inspection.view_inspectioncase", "inspection.add_inspectioncase"),
                 description_zh="维护纳税人与申报数据、计算行业基准、按风险排序选案",
                 description_en="Keeps the register and filings, computes benchmarks, selects cases"),
        RoleSpec(INSPECTOR, "检查人员", "Inspector", permissions=_READ_REGISTER,
                 description_zh="只看到分配给自己的案件", description_en="Sees the cases assigned to them"),
        RoleSpec(REVIEWER, "审理人员", "Reviewer",
                 permissions=(*_READ_REGISTER, "inspection.add_regulationarticle",
                              "inspection.change_regulationarticle", "inspection.issue_case_documents"),
                 description_zh="审理案件、维护政策法规库",
                 description_en="Reviews cases, keeps the regulation library"),
        RoleSpec(EXECUTOR, "执行人员", "Executor",
                 permissions=("inspection.view_inspectedentity", "inspection.view_regulationarticle",
                              "inspection.issue_case_documents"),
                 description_zh="执行入库、采取强制措施",
                 description_en="Collects the amounts, takes enforcement measures"),
        RoleSpec(SUPERVISOR, "稽查局长（监督）", "Inspection chief (supervisor)",
                 permissions=(*_READ_REGISTER, "inspection.view_inspectioncase", "inspection.change_inspectioncase",
                              "inspection.view_workingpaper", "inspection.view_dashboard",
                              "inspection.issue_case_documents"),
                 description_zh="分配人员、查询任一案件进度、审批变更",
                 description_en="Assigns people, follows every case, approves changes"),
    ),
    rules=RULES,
    rules_validator=validate_rules,
    navigation=(
        NavEntry("inspection:candidates", "选案（风险排序）", "Case selection (ranking)",
                 permission="inspection.add_inspectioncase"),
        NavEntry("inspection:case_list", "稽查案件", "Cases"),
        NavEntry("inspection:dashboard", "监控看板", "Dashboard", permission="inspection.view_dashboard"),
        NavEntry("inspection:entity_list", "纳税人与申报", "Taxpayers and filings",
                 permission="inspection.view_inspectedentity"),
        NavEntry("inspection:benchmark_list", "行业基准", "Industry benchmarks",
                 permission="inspection.view_industrybenchmark"),
        NavEntry("inspection:regulation_list", "政策法规库", "Regulation library",
                 permission="inspection.view_regulationarticle"),
    ),
    # The district overview asks for the operator's role (views_district.DISTRICT_READERS).
    district_navigation=(
        NavEntry("inspection_district:overview", "全区稽查监督", "Inspection across units",
                 check=holds_role(DISTRICT_OPERATOR)),
    ),
    periodic_tasks=(PeriodicTask("inspection.overdue_warnings", 6 * 3600),),
    approval_types=(CHANGE,),
    reports=REPORTS,
    demo="modules.inspection.demo.seed",  # manage.py seed_demo: the bureau 区税务局稽查局 (jcj)
)
