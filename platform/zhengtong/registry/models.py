from django.db import models
from django.utils.translation import gettext_lazy as _


class ModuleRules(models.Model):
    """A unit's settings for one module (its rules schema's values); lives in the unit's
    schema. Values missing here fall back to the manifest's defaults."""

    module_key = models.CharField(max_length=32, unique=True)
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("module rules")
        verbose_name_plural = _("module rules")

    def __str__(self) -> str:
        return f"{self.module_key} rules"
