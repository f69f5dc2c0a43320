from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsPoolConfig(AppConfig):
    name = "modules.assets.pool"
    label = "assets_pool"
    verbose_name = _("Idle asset pool")
