"""What lending and renting add to the assets manifest (modules/assets/manifest.py imports
these): the approval type, its rule, the expiry warnings and the navigation entries.
No models imported here: the manifest is read before the apps are ready."""
from decimal import Decimal

from zhengtong.registry.manifest import (
    ApprovalStepSpec,
    ApprovalType,
    ConditionField,
    NavEntry,
    PeriodicTask,
    RuleField,
    StepCondition,
    holds_role,
)
from zhengtong.registry.registry import DISTRICT_FINANCE

LEASING_PERMISSIONS = ("assets_leasing.view_leasecontract", "assets_leasing.add_leasecontract",
                       "assets_leasing.change_leasecontract")

# 出租出借: the unit head always signs; from the unit's threshold (original value of the
# asset) the district finance bureau signs after them.
LENDING = ApprovalType(
    key="assets.lending",
    name_zh="资产出租出借",
    name_en="Lending or renting out an asset",
    handler="modules.assets.leasing.approvals.LendingHandler",
    default_chain=(
        ApprovalStepSpec("unit_head", "单位负责人审批", "Unit head", role="platform.unit_admin", deadline_hours=72),
        ApprovalStepSpec("finance_bureau", "区财政局（国资办）审批", "District finance bureau",
                         role="district.finance_bureau", deadline_hours=240,
                         conditions=(StepCondition("amount", ">=", rule="lending_bureau_threshold"),)),
    ),
    condition_fields=(ConditionField("amount", "decimal", "资产原值（元）", "Original value (yuan)"),
                      ConditionField("rent", "decimal", "租金（元）", "Rent (yuan)"),
                      ConditionField("kind", "text", "方式（rent/lend）", "Kind (rent/lend)")),
    separation_of_duties=(("unit_head", "finance_bureau"),),
)

LENDING_RULES = (
    RuleField("lending_bureau_threshold", "decimal", Decimal("50000.00"),
              "出租出借报财政局审批起点（元，原值）",
              "Lending/renting: finance bureau approves from (yuan, original value)",
              min_value=Decimal("0")),
)

PERIODIC = (
    PeriodicTask("assets.lending_expiry_warnings", 24 * 3600),  # modules/assets/leasing/tasks.py
)

NAVIGATION = (
    # Unit heads reach their approvals from the notification they get.
    NavEntry("assets:lending_list", "出租出借", "Lending and renting", permission="assets_leasing.view_leasecontract"),
)

# The filed contracts are the finance bureau's (leasing/views_district.py).
DISTRICT_NAVIGATION = (
    NavEntry("assets_district:lending_filed", "出租出借合同备案", "Filed lending contracts",
             check=holds_role(DISTRICT_FINANCE)),
)
