"""Object permissions per unit.

django-tenant-users hands the auth backends its per-unit ``UserTenantPermissions`` row
instead of the user. django-guardian's rows point at the user, so we pass the profile
(the user) on. Guardian's tables live in each unit's schema, so the lookup only ever
sees the active unit's grants.
"""
from guardian.backends import ObjectPermissionBackend


def _as_user(user_obj):
    return getattr(user_obj, "profile", user_obj)


class UnitObjectPermissionBackend(ObjectPermissionBackend):
    def has_perm(self, user_obj, perm, obj=None):
        return super().has_perm(_as_user(user_obj), perm, obj)

    def get_group_permissions(self, user_obj, obj=None):
        return super().get_group_permissions(_as_user(user_obj), obj)

    def get_all_permissions(self, user_obj, obj=None):
        return super().get_all_permissions(_as_user(user_obj), obj)
