"""What the district roll-up adds to the assets manifest (modules/assets/manifest.py imports
these): its reports, its answer to a unit switching the module on, and its pages on the
district portal. No models imported here: the manifest is read before the apps are ready."""
from zhengtong.registry.handover import MODULE_SWITCHED_ON
from zhengtong.registry.manifest import NavEntry, ReportSpec, holds_role
from zhengtong.registry.registry import DISTRICT_FINANCE, DISTRICT_OPERATOR

# District portal only (modules/assets/district/reports.py): no unit role holds the permission.
REPORTS = (
    ReportSpec("assets.district_rollup", "区级资产汇总表", "District asset roll-up",
               builder="modules.assets.district.reports.build_rollup",
               form="modules.assets.district.reports.Parameters",
               permission="assets_district.request_rollup_report"),
    ReportSpec("assets.city_return", "国有资产情况报告（上报）", "State asset report to the city",
               builder="modules.assets.district.reports.build_city_return",
               form="modules.assets.district.reports.Parameters",
               permission="assets_district.request_rollup_report"),
)

# A unit that switches assets on appears in the roll-up at once.
EVENTS_HANDLED = {MODULE_SWITCHED_ON: "modules.assets.district.services.on_module_switched_on"}

# The roll-up pages ask for these roles (views_district.DISTRICT_READERS).
DISTRICT_NAVIGATION = (
    NavEntry("assets_district:rollup", "资产汇总", "Asset roll-up",
             check=holds_role(DISTRICT_OPERATOR, DISTRICT_FINANCE)),
)
