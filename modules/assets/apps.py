from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "modules.assets"
    label = "assets"
    verbose_name = _("State assets")

    def ready(self):
        from zhengtong.audit.tracking import track_changes
        from zhengtong.registry.registry import register

        from . import attachments  # noqa: F401  (registers the invoice and photo uses)
        from .manifest import MANIFEST

        register(MANIFEST)
        # Every change of an asset card is audited by a database trigger, bulk updates included.
        track_changes("assets.Asset", exclude=("updated_at",), repr_fields=("number", "name"))
