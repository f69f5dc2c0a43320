from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "modules.personnel"
    label = "personnel"
    verbose_name = _("Personnel mobility")

    def ready(self):
        from zhengtong.audit.tracking import track_changes
        from zhengtong.registry.registry import register

        from . import attachments  # noqa: F401  (registers the photo and move-document uses)
        from .manifest import MANIFEST

        register(MANIFEST)
        # Every change of these tables is audited by a database trigger (bulk updates too).
        # The encrypted ID number and its hash stay out of the audit trail.
        track_changes("personnel.Person", exclude=("updated_at", "id_number_encrypted", "id_number_hash"),
                      repr_fields=("name",))
        track_changes("personnel.Transfer", exclude=("updated_at",), repr_fields=("kind", "effective_date"))
        track_changes("personnel.PositionHistory", repr_fields=("start_date", "department_name", "post_title"))
        track_changes("personnel.Department", repr_fields=("name",))
        track_changes("personnel.Post", repr_fields=("title",))
        track_changes("personnel.HandoverItem", repr_fields=("label",))
