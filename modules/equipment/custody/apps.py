from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentCustodyConfig(AppConfig):
    name = "modules.equipment.custody"
    label = "equipment_custody"
    verbose_name = _("Custody and accountability")
