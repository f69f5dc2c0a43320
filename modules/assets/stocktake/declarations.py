"""What stocktakes and labels add to the assets manifest (modules/assets/manifest.py imports
these): the adjustment approval type, the deadline warning job and the navigation entries.
No models imported here: the manifest is read before the apps are ready."""
from zhengtong.registry.manifest import (
    ApprovalStepSpec,
    ApprovalType,
    ConditionField,
    NavEntry,
    PeriodicTask,
    ReportSpec,
    StepCondition,
    holds_role,
)
from zhengtong.registry.registry import DISTRICT_FINANCE, DISTRICT_OPERATOR

# 清查调账: after the public notice the book adjustments go through the approval the essay asks
# of the unit (帐实不符的由本单位自行履行报批手续). Shortages are written off when it is
# approved, so it is routed by their total original value as a disposal is: the unit head;
# the unit's leadership collectively between the unit head's limit and the bureau threshold;
# the district finance bureau from the threshold on.
STOCKTAKE_ADJUSTMENT = ApprovalType(
    key="assets.stocktake_adjustment",
    name_zh="资产清查调账",
    name_en="Stocktake book adjustments",
    handler="modules.assets.stocktake.approvals.StocktakeAdjustmentHandler",
    default_chain=(
        ApprovalStepSpec("unit_head", "单位负责人审批", "Unit head", role="platform.unit_admin", deadline_hours=120),
        ApprovalStepSpec("leadership", "单位领导班子集体决策", "Unit leadership (collective decision)",
                         role="platform.unit_admin", quorum=2, deadline_hours=120,
                         conditions=(StepCondition("amount", ">=", rule="disposal_unit_head_limit"),
                                     StepCondition("amount", "<", rule="disposal_bureau_threshold"))),
        ApprovalStepSpec("finance_bureau", "区财政局（国资办）审批", "District finance bureau",
                         role="district.finance_bureau", deadline_hours=240,
                         conditions=(StepCondition("amount", ">=", rule="disposal_bureau_threshold"),)),
    ),
    condition_fields=(ConditionField("amount", "decimal", "盘亏原值合计（元）", "Shortages, original value (yuan)"),),
    separation_of_duties=(("unit_head", "finance_bureau"),),
)

PERIODIC = (
    PeriodicTask("assets.stocktake_deadline_warnings", 6 * 3600),  # modules/assets/stocktake/tasks.py
)

NAVIGATION = (
    NavEntry("assets:stocktake:list", "资产清查", "Stocktakes"),
    NavEntry("assets:labels:sheet", "资产标签", "Asset labels"),
)

# Progress of every unit's campaigns, for the roll-up's readers (stocktake/views_district.py).
DISTRICT_NAVIGATION = (
    NavEntry("assets_district:stocktakes", "各单位资产清查", "Stocktakes across units",
             check=holds_role(DISTRICT_OPERATOR, DISTRICT_FINANCE)),
)

# The asset officer issues the stocktake's documents (every member reads the results page).
OFFICER_PERMISSIONS = ("assets_stocktake.view_campaign",)

REPORTS = (
    ReportSpec("assets.stocktake_discrepancies", "资产清查盘点差异表", "Stocktake discrepancy report",
               builder="modules.assets.stocktake.reports.discrepancy_report",
               form="modules.assets.stocktake.reports.CampaignParameters",
               permission="assets_stocktake.view_campaign",
               description_zh="盘亏、盘盈、地点/使用人不符及金额合计（从清查页面生成）",
               description_en="Shortages, surpluses, location/custodian mismatches and their totals "
                              "(from the stocktake page)"),
)

# A counter leaving their post: the asset officer is told which campaigns lose a counter.
EVENTS_HANDLED = {
    "personnel.person_leaving_post": "modules.assets.stocktake.handover.on_person_leaving_post",
}
