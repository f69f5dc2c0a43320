"""What a module tells the platform about itself.

Each app under ``modules/`` builds one ``ModuleManifest`` and registers it from its
``AppConfig.ready()``. Everything the platform does for modules — navigation, roles,
rules forms, URL gating, reports, periodic tasks — reads the registry, so adding a
module never means editing platform code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Literal

RuleType = Literal["int", "decimal", "bool", "choice", "text", "int_list"]


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
    url_name: str  # namespaced, e.g. "assets:list"
    label_zh: str
    label_en: str
    permission: str | None = None  # shown only to holders of this model-level permission


@dataclass(frozen=True)
class ReportSpec:
    key: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class PeriodicTask:
    name: str  # dotted task name
    schedule_seconds: int
    per_unit: bool = True  # fanned out to every unit that has the module enabled


@dataclass
class ModuleManifest:
    key: str
    name_zh: str
    name_en: str
    app_label: str
    urls: str  # dotted path of the module's urls.py (namespace = key)
    description_zh: str = ""
    description_en: str = ""
    roles: tuple[RoleSpec, ...] = ()
    rules: tuple[RuleField, ...] = ()
    rules_validator: Callable[[dict], dict[str, str]] | None = None  # cross-field checks
    navigation: tuple[NavEntry, ...] = ()
    reports: tuple[ReportSpec, ...] = ()
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    imports: tuple[str, ...] = ()  # keys of import definitions
    events_emitted: tuple[str, ...] = ()
    events_handled: dict[str, Callable[..., Any]] = field(default_factory=dict)
    icon: str = ""

    @property
    def module_admin_role(self) -> str:
        return f"{self.key}.module_admin"

    def rule_defaults(self) -> dict[str, Any]:
        return {r.key: r.default for r in self.rules}
