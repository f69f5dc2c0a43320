from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "modules.equipment"
    label = "equipment"
    verbose_name = _("IT equipment")

    def ready(self):
        from zhengtong.audit.tracking import track_changes
        from zhengtong.registry.registry import register

        from . import attachments  # noqa: F401  (registers the fault photo use)
        from .manifest import MANIFEST

        register(MANIFEST)
        # Changes of these rows are audited by database triggers, bulk updates included.
        track_changes("equipment.Place", exclude=("updated_at",), repr_fields=("name",))
        track_changes("equipment.DeviceType", exclude=("updated_at",), repr_fields=("name",))
        track_changes("equipment.Device", exclude=("updated_at",), repr_fields=("name", "serial"))
        track_changes("equipment.LogbookEntry", repr_fields=("kind",))
        track_changes("equipment.Certification")
        track_changes("equipment.RepairTicket", exclude=("updated_at",), repr_fields=("status",))
        track_changes("equipment.MaintenanceTask", repr_fields=("kind", "due_on"))
