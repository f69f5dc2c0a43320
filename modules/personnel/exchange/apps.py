from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelExchangeConfig(AppConfig):
    name = "modules.personnel.exchange"
    label = "personnel_exchange"
    verbose_name = _("Cross-unit transfers")
