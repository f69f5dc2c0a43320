from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentCustodyConfig(AppConfig):
    name = "modules.equipment.custody"
    label = "equipment_custody"
    verbose_name = _("Custody and accountability")

    def ready(self):
        from zhengtong.audit.tracking import track_changes

        from .exports import register

        # The equipment manifest (modules/equipment/manifest.py) carries this sub-app's roles,
        # navigation, approval type, report, event handler and hand-over provider.
        register()
        # Every change of these rows is audited by database triggers, bulk updates included.
        track_changes("equipment_custody.CustodyItem", exclude=("updated_at",), repr_fields=("name",))
        track_changes("equipment_custody.HandoverTask", repr_fields=("person_name",))
        track_changes("equipment_custody.HandoverItem", repr_fields=("label",))
        track_changes("equipment_custody.DamageIncident", exclude=("updated_at",), repr_fields=("title",))
        track_changes("equipment_custody.DamageShare")
        track_changes("equipment_custody.EvaluationItem", repr_fields=("name",))
        track_changes("equipment_custody.Evaluation")
        track_changes("equipment_custody.EvaluationScore", repr_fields=("item_name",))
