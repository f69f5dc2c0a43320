from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsLeasingConfig(AppConfig):
    name = "modules.assets.leasing"
    label = "assets_leasing"
    verbose_name = _("Lending and renting")
