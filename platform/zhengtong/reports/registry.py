"""Report builders declared by modules (ModuleManifest.reports → ReportSpec), looked up here."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import import_string

from zhengtong.registry.manifest import ModuleManifest, ReportSpec
from zhengtong.registry.middleware import enabled_modules
from zhengtong.registry.registry import all_modules, localized


@dataclass(frozen=True)
class AvailableReport:
    module: ModuleManifest
    spec: ReportSpec

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def name(self) -> str:
        return localized(self.spec.name_zh, self.spec.name_en)

    @property
    def description(self) -> str:
        return localized(self.spec.description_zh, self.spec.description_en)

    @property
    def module_name(self) -> str:
        return localized(self.module.name_zh, self.module.name_en)

    def builder(self):
        b = self.spec.builder
        return import_string(b) if isinstance(b, str) else b

    def form_class(self):
        f = self.spec.form
        return import_string(f) if isinstance(f, str) else f


def find_report(key: str) -> AvailableReport | None:
    for module in all_modules():
        for spec in module.reports:
            if spec.key == key and spec.builder is not None:
                return AvailableReport(module, spec)
    return None


def reports_for(*, user, unit) -> list[AvailableReport]:
    """The reports ``user`` may request in ``unit``: the module is switched on there and the
    user holds the report's permission, if it names one. What rows a report then shows is
    the builder's business (it reads through the module's permission-filtered selectors)."""
    if unit is None or not user.is_authenticated:
        return []
    on = enabled_modules(unit)
    out = []
    for module in all_modules():
        if module.key not in on:
            continue
        for spec in module.reports:
            if spec.builder is None:
                continue
            if not spec.offered_to(user):
                continue
            out.append(AvailableReport(module, spec))
    return out
