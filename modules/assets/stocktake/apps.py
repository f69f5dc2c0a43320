from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsStocktakeConfig(AppConfig):
    name = "modules.assets.stocktake"
    label = "assets_stocktake"
    verbose_name = _("Stocktakes")
