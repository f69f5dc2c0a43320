"""What a module tells the platform about itself.

Each app under ``modules/`` builds one ``ModuleManifest`` and registers it from its
``AppConfig.ready()``. Everything the platform does for modules — navigation, roles,
rules forms, URL gating, reports, periodic tasks — reads the registry, so adding a
module never means editing platform code.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

RuleType = Literal["int", "decimal", "bool", "choice", "text", "int_list"]


def holds_permission(user, permission: str | tuple[str, ...] | None) -> bool:
    """Whether ``user`` holds ``permission`` — any one of them when several are named; True when
    none is (the one test behind navigation entries and reports)."""
    if not permission:
        return True
    wanted = (permission,) if isinstance(permission, str) else permission
    return any(user.has_perm(p) for p in wanted)


@dataclass(frozen=True)
class RoleSpec:
    """A role within a unit. ``key`` is globally unique ("assets.asset_officer").

    ``permissions`` are "app_label.codename" strings granted to the role's group at
    model level (the role may act on every object of that kind in its unit). Object-level
    grants are made by the module's services with guardian.
    """

    key: str
    name_zh: str
    name_en: str
    permissions: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class RuleField:
    """One rule a module admin may change for their unit (no code involved)."""

    key: str
    type: RuleType
    default: Any
    label_zh: str
    label_en: str
    help_zh: str = ""
    help_en: str = ""
    min_value: Decimal | int | None = None
    max_value: Decimal | int | None = None
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, label_zh, label_en)


@dataclass(frozen=True)
class NavEntry:
    """A sidebar link. It is shown only to people who may open the page, so its conditions must
    be the ones the page's view applies: a model-level ``permission`` when that is what the view
    checks, otherwise ``check``, the view's own ``check(user, unit) -> bool`` (or its dotted path)
    for what no model permission expresses (a role, the separation of the three administrators)."""

    url_name: str  # namespaced, e.g. "assets:list"
    label_zh: str
    label_en: str
    permission: str | None = None  # shown only to holders of this model-level permission
    check: Callable[[Any, Any], bool] | str | None = None  # or its dotted path

    def allows(self, user, unit) -> bool:
        """Whether ``user`` may open this entry's page in ``unit`` (the sidebar's only test)."""
        from django.utils.module_loading import import_string

        if not holds_permission(user, self.permission):
            return False
        if self.check is None:
            return True
        check = import_string(self.check) if isinstance(self.check, str) else self.check
        return bool(check(user, unit))


def holds_role(*roles: str) -> Callable[[Any, Any], bool]:
    """A NavEntry ``check`` for pages whose view asks only for one of ``roles`` in the unit
    (a district role on the district portal)."""

    def check(user, unit) -> bool:
        return user.is_authenticated and user.has_role(*roles)

    return check


@dataclass(frozen=True)
class ReportSpec:
    """A PDF report a module offers (see zhengtong.reports).

    ``builder`` (a callable or its dotted path) is called as ``builder(user=..., params=...)``
    in the unit's schema, by the Celery worker, and returns a zhengtong.reports.content.TableReport
    of what *that user* may see. ``form`` (a Form class or its dotted path) asks for the
    parameters; its cleaned data must be JSON-serialisable. ``permission`` ("app.codename"),
    when given, is required at model level to request the report at all; several permissions
    (a tuple) mean any one of them (a report for the people who see every object and for those
    who see only their own).
    """

    key: str
    name_zh: str
    name_en: str
    builder: Callable[..., Any] | str | None = None
    form: Any = None
    permission: str | tuple[str, ...] | None = None
    description_zh: str = ""
    description_en: str = ""

    def offered_to(self, user) -> bool:
        """Whether ``user`` holds the report's permission (any one of them), if it names one."""
        return holds_permission(user, self.permission)


@dataclass(frozen=True)
class PeriodicTask:
    name: str  # dotted task name
    schedule_seconds: int
    per_unit: bool = True  # fanned out to every unit that has the module enabled


@dataclass(frozen=True)
class StepCondition:
    """One clause of an approval step's condition: ``field op value``.

    ``rule`` names a rule of the module instead of a fixed value, so a chain routes by the
    unit's current thresholds ("amount >= @disposal_bureau_threshold").
    """

    field: str
    op: Literal[">=", ">", "<=", "<", "=", "!=", "in"]
    value: Any = None
    rule: str = ""


@dataclass(frozen=True)
class ApprovalStepSpec:
    """A step of an approval chain: who signs (a role in the unit, or a district role
    such as "district.finance_bureau"), how many of them (committee: N of the role's
    holders), when the step applies, and its deadline."""

    key: str
    name_zh: str
    name_en: str
    role: str
    quorum: int = 1
    conditions: tuple[StepCondition, ...] = ()
    deadline_hours: int | None = None
    escalate_to: str = ""  # role that may also act once the deadline has passed
    comment_required: bool = False


@dataclass(frozen=True)
class ConditionField:
    """A fact of the request that step conditions may test (amount, category, …)."""

    key: str
    type: Literal["decimal", "text"]
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class ApprovalType:
    """A kind of request a module lets users submit for approval ("assets.disposal").

    ``handler`` is the dotted path of a class that knows the request's subject: loading it,
    who may submit, its facts for conditions, and what happens on approval or closing.
    ``separation_of_duties`` lists (X, Y) step keys: whoever acted on step X may not act on
    step Y of the same request.
    """

    key: str
    name_zh: str
    name_en: str
    handler: str
    default_chain: tuple[ApprovalStepSpec, ...]
    condition_fields: tuple[ConditionField, ...] = (ConditionField("amount", "decimal", "金额（元）", "Amount (yuan)"),)
    separation_of_duties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoDistrict:
    """What ``manage.py seed_demo`` hands each module's demo seed (``ModuleManifest.demo``): the
    demo units by slug, the demo people by the local part of their e-mail, their password, and
    where to print what the module adds to the printed logins."""

    units: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    password: str = ""
    stdout: Any = None


@dataclass
class ModuleManifest:
    key: str
    name_zh: str
    name_en: str
    app_label: str
    urls: str  # dotted path of the module's urls.py (namespace = key)
    # dotted path of the module's urls_district.py, its pages on the district portal, mounted at /<key>/
    # there (the file names its own namespace, e.g. "assets_district").
    district_urls: str | None = None
    # dotted path of the module's api.py; its ``urlpatterns`` are mounted at /api/<key>/ (namespace
    # "api:<key>"), so the module gate and the API's permission classes apply to them as to its pages.
    api_urls: str | None = None
    description_zh: str = ""
    description_en: str = ""
    roles: tuple[RoleSpec, ...] = ()
    rules: tuple[RuleField, ...] = ()
    rules_validator: Callable[[dict], dict[str, str]] | None = None  # cross-field checks
    navigation: tuple[NavEntry, ...] = ()
    district_navigation: tuple[NavEntry, ...] = ()  # its pages on the district portal
    reports: tuple[ReportSpec, ...] = ()
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    imports: tuple[str, ...] = ()  # keys of import definitions
    events_emitted: tuple[str, ...] = ()
    events_handled: dict[str, Callable[..., Any] | str] = field(default_factory=dict)
    # dotted path of ``provider(*, user_id) -> list[HandoverItem]`` (zhengtong.registry.handover)
    handover_provider: str | None = None
    approval_types: tuple[ApprovalType, ...] = ()  # request types with their default chains
    # What other modules may read here without importing this module: key ("<module>.<name>") →
    # dotted path of a selector. Reached through zhengtong.registry.lookup(key), which answers None
    # where this module is switched off (zhengtong.registry.lookups).
    lookups: dict[str, str] = field(default_factory=dict)
    # Role keys of other modules that this module's checks name ("assets.asset_officer" in equipment).
    # Declared, so `manage.py check` fails when no registered module offers one (zhengtong.registry.checks).
    borrowed_roles: tuple[str, ...] = ()
    # dotted path of ``seed(district: DemoDistrict) -> None``: the module's demo data, made through its
    # services, idempotent; run by manage.py seed_demo, so tenants/ never imports a module.
    demo: str | None = None
    icon: str = ""

    @property
    def module_admin_role(self) -> str:
        return f"{self.key}.module_admin"

    def rule_defaults(self) -> dict[str, Any]:
        return {r.key: r.default for r in self.rules}
