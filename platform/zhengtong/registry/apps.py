from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "zhengtong.registry"
    label = "registry"
    verbose_name = _("Modules")

    def ready(self):
        from . import checks  # noqa: F401  (registers the manifests' cross-reference check)
