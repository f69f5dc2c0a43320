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
    StepCondition,
    holds_role,
)
from zhengtong.registry.registry import DISTRICT_FINANCE

from .district import declarations as district  # the district roll-up and its reports
from .leasing import declarations as leasing  # lending and renting
from .pool import declarations as pool  # idle assets and their redistribution across units
from .stocktake import declarations as stocktake  # stocktake campaigns and QR labels

ASSET_OFFICER = "assets.asset_officer"
DEPARTMENT_HEAD = "assets.department_head"
CUSTODIAN = "assets.custodian"


def validate_rules(values: dict) -> dict[str, str]:
    errors = {}
    if values.get("disposal_bureau_threshold") is not None and values.get("disposal_unit_head_limit") is not None:
        if values["disposal_bureau_threshold"] < values["disposal_unit_head_limit"]:
            errors["disposal_bureau_threshold"] = (
                "财政局审批起点不能低于单位负责人审批上限 / The bureau threshold cannot be below the unit head's limit."
            )
    unknown = [t for t in disposal_types_listed(values.get("disposal_appraisal_required_for") or "")
               if t not in DISPOSAL_TYPES]
    if unknown:
        errors["disposal_appraisal_required_for"] = (
            f"未知的处置方式：{', '.join(unknown)}（可用：{', '.join(DISPOSAL_TYPES)}） / "
            f"Unknown disposal types: {', '.join(unknown)} (known: {', '.join(DISPOSAL_TYPES)})")
    return errors


# The values of Asset.DisposalMethod (models cannot be imported here: the manifest loads first).
DISPOSAL_TYPES = ("transfer", "sale", "scrap", "donation", "write_off")


def disposal_types_listed(text: str) -> list[str]:
    """The disposal types named in a rule written as "scrap, write_off" (commas of either width)."""
    return [t.strip() for t in str(text).replace("，", ",").split(",") if t.strip()]


# 资产处置: routed by the asset's original value AND the disposal type chosen on the request
# (see modules/assets/approvals.py). Defaults, from 篇二 (处置细则 must "明确界定资产处置的审批权限",
# "防止国有资产流失") and the example:
# - the unit head signs every disposal;
# - from ``disposal_bureau_threshold`` (50,000 yuan original value) the district finance bureau
#   (国资办) signs after them, whatever the type;
# - a loss write-off (损失核销) goes to the bureau at any value: nothing comes back for the asset
#   (no buyer, no receiving unit, no scrap proceeds), so it is where state assets are lost and the
#   unit may not close it alone. Other types below the threshold stay with the unit.
# The platform has no competent-department (主管部门) role; a unit that has one adds the step in
# the chain editor (/approvals/chains/), where ``disposal_type`` is offered as a condition.
DISPOSAL = ApprovalType(
    key="assets.disposal",
    name_zh="资产处置",
    name_en="Asset disposal",
    handler="modules.assets.approvals.AssetDisposalHandler",
    default_chain=(
        ApprovalStepSpec("unit_head", "单位负责人审批", "Unit head", role="platform.unit_admin", deadline_hours=72),
        ApprovalStepSpec("leadership", "单位领导班子集体决策", "Unit leadership (collective decision)",
                         role="platform.unit_admin", quorum=2, deadline_hours=120,
                         conditions=(StepCondition("amount", ">=", rule="disposal_unit_head_limit"),
                                     StepCondition("amount", "<", rule="disposal_bureau_threshold"))),
        ApprovalStepSpec("finance_bureau", "区财政局（国资办）审批", "District finance bureau",
                         role="district.finance_bureau", deadline_hours=240,
                         conditions=(StepCondition("amount", ">=", rule="disposal_bureau_threshold"),)),
        # Conditions of a step all have to hold (no "or"): the below-threshold loss write-off is
        # its own bureau step, never both with the one above.
        ApprovalStepSpec("finance_bureau_loss", "区财政局（国资办）审批损失核销",
                         "District finance bureau (loss write-off)", role="district.finance_bureau", deadline_hours=240,
                         conditions=(StepCondition("disposal_type", "in", ["write_off"]),
                                     StepCondition("amount", "<", rule="disposal_bureau_threshold"))),
    ),
    condition_fields=(ConditionField("amount", "decimal", "原值（元）", "Original value (yuan)"),
                      ConditionField("category", "text", "资产分类", "Asset class"),
                      ConditionField("disposal_type", "text",
                                     "处置方式（transfer 调拨, sale 出售, scrap 报废, donation 捐赠, "
                                     "write_off 损失核销）",
                                     "Disposal type (transfer, sale, scrap, donation, write_off)")),
    # The unit head who signed may not also sign for the bureau (one person holding both roles).
    separation_of_duties=(("unit_head", "finance_bureau"), ("unit_head", "finance_bureau_loss")),
)

MANIFEST = ModuleManifest(
    key="assets",
    name_zh="国有资产管理",
    name_en="State assets",
    app_label="assets",
    urls="modules.assets.urls",
    district_urls="modules.assets.urls_district",
    api_urls="modules.assets.api",
    description_zh="资产卡片、配置定额、出租出借、处置、清查、闲置调剂与区级汇总",
    description_en="Asset cards, quotas, lending, disposal, stocktakes, idle pool and district roll-up",
    roles=(
        RoleSpec(ASSET_OFFICER, "资产专管员", "Asset officer",
                 permissions=("assets.view_asset", "assets.add_asset", "assets.change_asset",
                              *leasing.LEASING_PERMISSIONS, *stocktake.OFFICER_PERMISSIONS)),
        RoleSpec(DEPARTMENT_HEAD, "部门负责人", "Department head"),
        RoleSpec(CUSTODIAN, "资产使用人", "Custodian", permissions=("assets.add_asset",)),
    ),
    rules=(
        RuleField("disposal_unit_head_limit", "decimal", Decimal("50000.00"),
                  "单位负责人审批上限（元，原值）", "Unit head approval limit (yuan, original value)",
                  min_value=Decimal("0")),
        RuleField("disposal_bureau_threshold", "decimal", Decimal("50000.00"),
                  "报财政局审批起点（元，原值）", "Finance bureau approval from (yuan, original value)",
                  min_value=Decimal("0")),
        # 技术鉴定: the disposal request is refused until an appraisal is attached to the card.
        RuleField("disposal_appraisal_required_for", "text", "scrap, write_off",
                  "需技术鉴定的处置方式", "Disposal types that need a technical appraisal",
                  help_zh="以逗号分隔：transfer 调拨, sale 出售, scrap 报废, donation 捐赠, write_off 损失核销",
                  help_en="Comma-separated: transfer, sale, scrap, donation, write_off"),
        RuleField("idle_after_days", "int", 180, "闲置认定天数", "Days unused before an asset counts as idle",
                  min_value=30, max_value=3650),
        RuleField("stocktake_notice_days", "int", 7, "清查结果公示天数", "Stocktake public notice (days)",
                  min_value=1, max_value=60),
        RuleField("contract_expiry_warning_days", "int_list", [30, 7], "出租出借到期提醒（天）",
                  "Lending/renting expiry reminders (days before)"),
        *leasing.LENDING_RULES,
        RuleField("over_quota_policy", "choice", "refuse", "超定额申请处理", "Over-quota requests",
                  choices=(("refuse", "拒绝", "Refuse"),
                           ("justify", "需说明理由报财政局", "Need a justification to the bureau"))),
    ),
    rules_validator=validate_rules,
    approval_types=(DISPOSAL, leasing.LENDING, stocktake.STOCKTAKE_ADJUSTMENT,),
    # Daily and idempotent: each month's charge is booked on its first day (modules/assets/tasks.py).
    # quota_check: warns the asset officers when the books exceed an approved quota (warnings.py).
    periodic_tasks=(PeriodicTask("assets.depreciation_run", 24 * 3600), PeriodicTask("assets.quota_check", 24 * 3600),
                    *pool.PERIODIC, *leasing.PERIODIC, *stocktake.PERIODIC,),
    reports=(
        ReportSpec("assets.register", "资产登记簿", "Asset register",
                   builder="modules.assets.reports.register.build",
                   form="modules.assets.reports.register.RegisterParameters",
                   description_zh="您可查看的资产卡片清单及原值合计（PDF，每页有文档编号与页码）",
                   description_en="The asset cards you may see, with the total of original values "
                                  "(PDF, document number and page numbers on every page)"),
        *district.REPORTS,
        *stocktake.REPORTS,
    ),
    imports=("assets.asset",),  # modules/assets/imports.py; export: modules/assets/exports.py
    # Cards in a person's custody, for personnel's hand-over checklist.
    handover_provider="modules.assets.handover.handover_items",
    # What other modules may read without importing assets (zhengtong.registry.lookup).
    lookups={"assets.card_by_number": "modules.assets.selectors.card_by_number"},
    demo="modules.assets.demo.seed",  # manage.py seed_demo
    events_handled={**stocktake.EVENTS_HANDLED, **district.EVENTS_HANDLED},
    navigation=(
        NavEntry("assets:list", "资产卡片", "Asset cards"),
        NavEntry("assets:create", "登记资产", "Register asset", permission="assets.add_asset"),
        NavEntry("assets:quotas", "配置定额", "Allocation quotas", permission="assets.change_asset"),
        NavEntry("assets:acquisitions", "资产配置申请", "Acquisition requests", permission="assets.add_asset"),
        NavEntry("assets:budgets", "资产配置预算", "Asset budget", permission="assets.change_asset"),
        *pool.NAVIGATION,
        *leasing.NAVIGATION,
        *stocktake.NAVIGATION,
    ),
    # The quota pages ask for the finance bureau's role (quotas.BUREAU); the others are the
    # sub-features' (their declarations.py).
    district_navigation=(
        *district.DISTRICT_NAVIGATION,
        *stocktake.DISTRICT_NAVIGATION,
        NavEntry("assets_district:quotas", "配置定额", "Allocation quotas", check=holds_role(DISTRICT_FINANCE)),
        *pool.DISTRICT_NAVIGATION,
        *leasing.DISTRICT_NAVIGATION,
    ),
)
