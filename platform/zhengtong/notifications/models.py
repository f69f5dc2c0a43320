"""Public schema: one inbox per person across all their units, and the bookkeeping of the
periodic checks fanned out to units."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengtong.registry.registry import localized


class Notification(models.Model):
    class Kind(models.TextChoices):
        APPROVAL_WAITING = "approval_waiting", _("Approval waiting for you")
        REQUEST_DECIDED = "request_decided", _("Your request was decided")
        DEADLINE_APPROACHING = "deadline_approaching", _("Deadline approaching")
        DEADLINE_OVERDUE = "deadline_overdue", _("Deadline passed")
        MODULE_WARNING = "module_warning", _("Module warning")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The unit the item is about (ids in ``url`` only make sense there); null for the district portal.
    unit = models.ForeignKey("tenants.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # Stored in both languages: the inbox shows the reader's, the e-mail carries both.
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    body_en = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)  # absolute: the unit's or the district's host
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Periodic checks run again and again; the key makes "tell once" hold across runs and
    # across two workers running the same check.
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread")]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                    name="notification_dedupe_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def localized_title(self) -> str:
        return localized(self.title, self.title_en or self.title)

    @property
    def localized_body(self) -> str:
        return localized(self.body, self.body_en or self.body)


class PeriodicRun(models.Model):
    """When a per-unit periodic job was last sent to a unit (the beat tick's memory)."""

    job = models.CharField(max_length=100)
    schema_name = models.CharField(max_length=63)
    last_sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "schema_name"], name="periodic_run_unique")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.schema_name}"
