from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsStocktakeConfig(AppConfig):
    name = "modules.assets.stocktake"
    label = "assets_stocktake"
    verbose_name = _("Stocktakes")

    def ready(self):
        from zhengtong.audit.tracking import track_changes

        # Campaign, surplus and objection rows are few: a trigger audits every change, bulk
        # ones included. Snapshot lines are not tracked row by row (a campaign copies
        # thousands at once); their counts are audited by services.line_count.
        track_changes("assets_stocktake.Campaign", repr_fields=("title",))
        track_changes("assets_stocktake.SurplusItem", repr_fields=("name",))
        track_changes("assets_stocktake.Objection")
