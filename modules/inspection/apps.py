from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "modules.inspection"
    label = "inspection"
    verbose_name = _("Tax inspection cases")

    def ready(self):
        from zhengtong.registry.registry import register

        from . import attachments  # noqa: F401  (registers the attachment uses)
        from .manifest import MANIFEST

        register(MANIFEST)
