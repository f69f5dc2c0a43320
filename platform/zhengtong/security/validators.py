"""Password validators driven by the platform's security policy (等保 8.1.4.1 a).

Listed in AUTH_PASSWORD_VALIDATORS, so every place a password is set — the change page,
invitations, the admin — applies the policy in force at that moment.
"""
from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import security_policy

# Longest password we accept. 64 must fit (the issue asks for it); the cap only bounds
# the hashing work an attacker can make one request cost.
MAX_PASSWORD_LENGTH = 128


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits, symbols ``password`` uses."""
    return sum((
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))


class PolicyLengthValidator:
    def validate(self, password, user=None):
        minimum = security_policy().min_length
        if len(password) < minimum:
            raise ValidationError(
                _("The password must have at least %(n)d characters (密码至少%(n)d位).") % {"n": minimum},
                code="password_too_short",
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                _("The password may have at most %(n)d characters (密码最多%(n)d位).") % {"n": MAX_PASSWORD_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("At least %(n)d characters; up to %(max)d are allowed.") % {
            "n": security_policy().min_length, "max": MAX_PASSWORD_LENGTH}


class PolicyCharacterClassValidator:
    def validate(self, password, user=None):
        needed = security_policy().min_classes
        if character_classes(password) < needed:
            raise ValidationError(
                _("The password must contain at least %(n)d of: lower-case letters, upper-case letters, digits, "
                  "symbols (密码须至少包含小写字母、大写字母、数字、符号中的%(n)d类).") % {"n": needed},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Use at least %(n)d of: lower-case letters, upper-case letters, digits, symbols.") % {
            "n": security_policy().min_classes}


class PasswordHistoryValidator:
    """Refuses the last N passwords, and keeps the history and the password's age.

    ``password_changed`` is Django's hook called after *any* password is saved
    (``User.save()`` after ``set_password``), so ageing and history stay right whichever
    code path set the password.
    """

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        keep = security_policy().history_count
        if not keep:
            return
        hashes = list(user.password_history.values_list("password", flat=True)[:keep])
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        if any(check_password(password, h) for h in hashes[:keep]):
            raise ValidationError(
                _("You used this password recently; choose one you have not used in your last %(n)d "
                  "(不能使用最近%(n)d次用过的密码).") % {"n": keep},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from .models import PasswordHistory

        now = timezone.now()
        type(user).objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now
        PasswordHistory.objects.create(user=user, password=user.password)
        # Keep only as many as the strictest allowed policy could ask for.
        stale = user.password_history.values_list("pk", flat=True)[24:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        keep = security_policy().history_count
        if not keep:
            return ""
        return _("It may not be one of your last %(n)d passwords.") % {"n": keep}
