from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsDistrictConfig(AppConfig):
    name = "modules.assets.district"
    label = "assets_district"
    verbose_name = _("Asset roll-up")
