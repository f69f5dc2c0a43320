"""The one place modules are registered and looked up."""
from __future__ import annotations

from django.utils.translation import get_language

from .manifest import ModuleManifest, RoleSpec

# The platform's own roles, present in every unit. The three 等保 administrators (三员)
# are mutually exclusive: no person holds two of them in one unit.
UNIT_ADMIN = "platform.unit_admin"
SYSTEM_ADMIN = "platform.system_admin"
SECURITY_ADMIN = "platform.security_admin"
AUDIT_ADMIN = "platform.audit_admin"
THREE_ADMINS = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)

# District-level roles, held in the public schema.
DISTRICT_OPERATOR = "district.operator"
DISTRICT_FINANCE = "district.finance_bureau"
DISTRICT_HR = "district.hr_bureau"
# The three administrators of the district portal itself (三员 at district level).
DISTRICT_SYSTEM_ADMIN = "district.system_admin"
DISTRICT_SECURITY_ADMIN = "district.security_admin"
DISTRICT_AUDIT_ADMIN = "district.audit_admin"
DISTRICT_THREE_ADMINS = (DISTRICT_SYSTEM_ADMIN, DISTRICT_SECURITY_ADMIN, DISTRICT_AUDIT_ADMIN)

PLATFORM_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(UNIT_ADMIN, "单位管理员", "Unit administrator",
             description_zh="管理本单位成员与角色、模块规则", description_en="Manages members, roles and module rules"),
    RoleSpec(SYSTEM_ADMIN, "系统管理员", "System administrator",
             description_zh="用户与系统配置，不接触业务数据与审计记录",
             description_en="Users and configuration; no business data, no audit trail"),
    RoleSpec(SECURITY_ADMIN, "安全管理员", "Security administrator",
             description_zh="角色权限与安全策略，不能给自己授权",
             description_en="Roles, permissions and security policy; cannot grant to self"),
    RoleSpec(AUDIT_ADMIN, "审计管理员", "Audit administrator",
             description_zh="只读审计记录", description_en="Read-only access to the audit trail"),
)
DISTRICT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(DISTRICT_OPERATOR, "区级运维人员", "District operator"),
    RoleSpec(DISTRICT_FINANCE, "区财政局（国资办）", "District finance bureau"),
    RoleSpec(DISTRICT_HR, "区人社局", "District HR bureau"),
    RoleSpec(DISTRICT_SYSTEM_ADMIN, "区级系统管理员", "District system administrator"),
    RoleSpec(DISTRICT_SECURITY_ADMIN, "区级安全管理员", "District security administrator"),
    RoleSpec(DISTRICT_AUDIT_ADMIN, "区级审计管理员", "District audit administrator"),
)

_modules: dict[str, ModuleManifest] = {}


def register(manifest: ModuleManifest) -> ModuleManifest:
    if manifest.key in _modules and _modules[manifest.key] is not manifest:
        raise ValueError(f"Module {manifest.key!r} registered twice")
    for role in manifest.roles:
        if not role.key.startswith(manifest.key + "."):
            raise ValueError(f"Role {role.key!r} must be prefixed with {manifest.key!r}.")
    for key in manifest.lookups:
        if not key.startswith(manifest.key + "."):
            raise ValueError(f"Lookup {key!r} must be prefixed with {manifest.key!r}.")
    _modules[manifest.key] = manifest
    return manifest


def all_modules() -> list[ModuleManifest]:
    return list(_modules.values())


def get_module(key: str) -> ModuleManifest | None:
    return _modules.get(key)


def module_keys() -> list[str]:
    return list(_modules)


def unit_roles() -> list[RoleSpec]:
    """Every role that exists in a unit's schema: platform roles plus each module's."""
    roles = list(PLATFORM_ROLES)
    for m in _modules.values():
        roles.append(
            RoleSpec(m.module_admin_role, f"{m.name_zh}模块管理员", f"{m.name_en} module admin")
        )
        roles.extend(m.roles)
    return roles


def role_spec(key: str) -> RoleSpec | None:
    for r in (*unit_roles(), *DISTRICT_ROLES):
        if r.key == key:
            return r
    return None


def localized(zh: str, en: str) -> str:
    return en if (get_language() or "zh-hans").startswith("en") else zh


def role_label(key: str) -> str:
    spec = role_spec(key)
    return localized(spec.name_zh, spec.name_en) if spec else key
