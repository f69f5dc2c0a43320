"""The audit trail (等保 2.0 8.1.4.3). One table per schema: each unit's events live in
the unit's own schema, district-level events in the public schema.

Rows are chained: ``hash = sha256(prev_hash | canonical(row))``, so editing or deleting
a row breaks the chain at that point (see ``services.verify_trail``). The database links
each row as it is inserted (``database.py``: trigger ``zt_audit_link``), whoever inserts
it; the columns it fills have ``db_default`` so Django reads them back after the INSERT.
The same trigger sets ``occurred_at`` (database clock, UTC) and ``unit_schema``.
"""
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_default=Now(), db_index=True)
    # Not a foreign key: the trail must outlive the account and stay readable as written.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    unit_schema = models.CharField(_("unit"), max_length=63, db_default="")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.SUCCESS)
    detail = models.TextField(_("detail"), blank=True)
    prev_hash = models.CharField(max_length=64, db_default="")
    hash = models.CharField(max_length=64, unique=True, db_default="")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"
