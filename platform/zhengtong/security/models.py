"""The platform's security policy and password history (public schema).

Accounts are global (one login for every unit), so the policy that governs them is
global too: one row, edited by the district security administrator. Bounds keep it at
or above the GB/T 22239-2019 level-3 floor — the security admin can tighten it, never
switch it off.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# (field, default, minimum, maximum). The minimums are the level-3 floor.
POLICY_BOUNDS: dict[str, tuple[int, int, int]] = {
    "min_length": (8, 8, 64),
    "min_classes": (3, 3, 4),
    "max_age_days": (90, 1, 365),
    "history_count": (5, 0, 24),
    "lockout_threshold": (5, 3, 10),
    "lockout_minutes": (30, 0, 1440),
    "idle_timeout_minutes": (30, 5, 60),
    "session_lifetime_hours": (8, 1, 12),
    "dormant_days": (90, 30, 365),
}


def _bounded(name: str):
    default, low, high = POLICY_BOUNDS[name]
    return {"default": default, "validators": [MinValueValidator(low), MaxValueValidator(high)]}


class SecurityPolicy(models.Model):
    """The one row of platform-wide identity and session rules (pk=1)."""

    min_length = models.PositiveSmallIntegerField(_("minimum password length"), **_bounded("min_length"))
    min_classes = models.PositiveSmallIntegerField(
        _("character classes required"), **_bounded("min_classes"),
        help_text=_("Of: lower-case letters, upper-case letters, digits, symbols."))
    max_age_days = models.PositiveSmallIntegerField(_("maximum password age (days)"), **_bounded("max_age_days"))
    history_count = models.PositiveSmallIntegerField(
        _("previous passwords that may not be reused"), **_bounded("history_count"),
        help_text=_("0 switches the history check off."))
    lockout_threshold = models.PositiveSmallIntegerField(
        _("failed sign-ins before lockout"), **_bounded("lockout_threshold"))
    lockout_minutes = models.PositiveSmallIntegerField(
        _("lockout duration (minutes)"), **_bounded("lockout_minutes"),
        help_text=_("0 keeps the account locked until a security administrator unlocks it."))
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("idle timeout (minutes)"), **_bounded("idle_timeout_minutes"))
    session_lifetime_hours = models.PositiveSmallIntegerField(
        _("absolute session lifetime (hours)"), **_bounded("session_lifetime_hours"))
    dormant_days = models.PositiveSmallIntegerField(
        _("disable accounts unused for (days)"), **_bounded("dormant_days"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="security_policy_singleton")]

    def __str__(self) -> str:
        return str(_("security policy"))


class PasswordHistory(models.Model):
    """Hashes (salted, as Django stores passwords) of a person's earlier passwords."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"
