"""One account per person, in the public schema; membership and roles are per unit.

django-tenant-users gives us the split: ``User`` (authentication, public schema) and
``UserTenantPermissions`` (authorization, one row per unit schema the user belongs to,
carrying that unit's groups = roles). ``has_perm`` therefore answers for the unit whose
schema is active.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from tenant_users.permissions.functional import tenant_cached_property
from tenant_users.permissions.models import UserTenantPermissions
from tenant_users.tenants.models import UserProfile


class User(UserProfile):
    name = models.CharField(_("name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    date_joined = models.DateTimeField(_("date joined"), auto_now_add=True)
    # Set when the password is changed; issue-4 password ageing reads it.
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    # The platform's own service account (owner of every unit row, as
    # django-tenant-users requires an owner). It cannot log in.
    is_system = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email

    @property
    def groups(self):
        """The current unit's groups (roles).

        django-guardian reads ``user.groups`` for group object permissions; with
        django-tenant-users the groups hang off the per-unit permissions row, so we
        return that row's groups (or none when the user is not a member here).
        """
        try:
            return self.tenant_perms.groups
        except UserTenantPermissions.DoesNotExist:
            from django.contrib.auth.models import Group

            return Group.objects.none()

    @tenant_cached_property
    def role_keys(self) -> frozenset[str]:
        """Keys of the roles this user holds in the current unit (cached per schema)."""
        try:
            return frozenset(self.tenant_perms.groups.values_list("name", flat=True))
        except UserTenantPermissions.DoesNotExist:
            return frozenset()

    def has_role(self, *keys: str) -> bool:
        return bool(self.role_keys.intersection(keys))
