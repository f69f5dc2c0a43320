"""What the idle pool adds to the assets manifest (modules/assets/manifest.py imports these):
the daily idle flagging and the pool's pages on both portals. No models imported here: the
manifest is read before the apps are ready."""
from zhengtong.registry.manifest import NavEntry, PeriodicTask, holds_role
from zhengtong.registry.registry import DISTRICT_FINANCE

PERIODIC = (
    PeriodicTask("assets.idle_flagging", 24 * 3600),  # modules/assets/pool/tasks.py
)

NAVIGATION = (
    # Asset officers (the role's model-level change permission); unit heads reach the transfers
    # they sign from the notification they get.
    NavEntry("assets:pool_list", "闲置资产库", "Idle asset pool", permission="assets.change_asset"),
)

# The district pages ask for the finance bureau's role (pool/views_district.py).
DISTRICT_NAVIGATION = (
    NavEntry("assets_district:pool", "闲置资产库", "Idle asset pool", check=holds_role(DISTRICT_FINANCE)),
)
