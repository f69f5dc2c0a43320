"""What cross-unit transfers (调出/调入 between units, the exchange sub-feature) add to the
personnel manifest (modules/personnel/manifest.py imports these): the sending unit's rule,
the periodic completion job, the transfer order report and the navigation entries of both
portals. No models imported here: the manifest is read before the apps are ready."""
from zhengtong.registry.manifest import NavEntry, PeriodicTask, ReportSpec, RuleField, holds_role
from zhengtong.registry.registry import DISTRICT_HR

RULES = (
    # Read by modules/personnel/exchange/services.py (the district may also require it for all).
    RuleField("district_approval_for_transfer_out", "bool", False, "调出至其他单位须报区人社局审批",
              "Transfers out to other units need the district HR bureau's approval"),
)

PERIODIC = (
    # Cross-unit transfers approved ahead of their date (modules/personnel/exchange/tasks.py).
    PeriodicTask("personnel.exchange_complete_due", 3600),
)

REPORTS = (
    ReportSpec("personnel.transfer_order", "调令", "Transfer order",
               builder="modules.personnel.reports.order.build", form="modules.personnel.reports.order.OrderParameters",
               permission="personnel.view_transfer",
               description_zh="已办结的跨单位调动的调令（调字编号、双方单位、生效日期）",
               description_en="The order of a completed cross-unit transfer (serial, both units, effective date)"),
)

NAVIGATION = (
    # HR's and the leader's page: the view's own check.
    NavEntry("personnel:exchange_list", "跨单位调动", "Cross-unit transfers",
             check="modules.personnel.exchange.selectors.may_read_exchanges"),
)

# The district views ask for the HR bureau's role (views_district.DISTRICT_READERS).
DISTRICT_NAVIGATION = (
    NavEntry("personnel_district:exchange_list", "跨单位调动", "Cross-unit transfers",
             check=holds_role(DISTRICT_HR)),
)
