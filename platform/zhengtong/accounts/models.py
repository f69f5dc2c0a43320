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
    # Whether the person holds, in any unit, a role that needs the second factor: answered
    # with a query over the schemas of every unit they belong to (security.selectors), which
    # is kept here so that a page does not pay it (~500 ms for a member of 494 units). None:
    # not known — computed on the next request. Every role write clears it (accounts.services).
    second_factor_role_held = models.BooleanField(null=True, editable=False)

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


class RoleRequest(models.Model):
    """A change of who holds a 三员 role (system, security, audit administrator) in a unit,
    waiting for the district security administrator's confirmation.

    GB/T 22239-2019 level 3 asks for an approval procedure with approval by level for
    important operations (安全管理机构 · 授权和审批) and for separated administrator duties
    (8.1.4.2 d): one person of the unit asks, a second person one level up confirms, and
    neither may be the person concerned (accounts/services.py, role_request_decide).
    Public schema, so the district sees every unit's waiting requests in one list.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")
        REPLACED = "replaced", _("Replaced by a newer request")

    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="role_requests",
                             verbose_name=_("unit"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_requests", verbose_name=_("person"))
    # The 三员 roles the person is to hold in the unit once confirmed (empty: all removed),
    # and those held when it was asked — the confirmer sees both.
    role_keys = models.JSONField(_("administrator roles asked for"), default=list)
    before_keys = models.JSONField(_("administrator roles held"), default=list)
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("asked by"))
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["unit", "user"], condition=models.Q(status="pending"),
                                               name="role_request_one_pending")]
        verbose_name = _("administrator role request")
        verbose_name_plural = _("administrator role requests")

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.user_id} → {','.join(self.role_keys) or '-'} ({self.status})"
