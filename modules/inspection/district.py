"""District supervision of inspection: each unit's figures, read-only.

District operators see counts and amounts per unit — never taxpayers or case contents
("figures only unless granted", issue 7). Each unit's figures come from the unit's own
dashboard selector in its schema, so a unit's supervisors and the district read the same
numbers. A loop over schemas is fine here: only the few units that run inspection are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django_tenants.utils import schema_context

from tenants.models import Unit

from . import selectors


@dataclass
class UnitFigures:
    unit: Unit
    by_stage: list[dict] = field(default_factory=list)
    open_cases: int = 0
    overdue_steps: int = 0
    overdue_payments: int = 0
    proposed: Decimal = Decimal("0.00")
    decided: Decimal = Decimal("0.00")
    collected: Decimal = Decimal("0.00")


def inspection_units():
    return (Unit.objects.filter(module_switches__module_key="inspection", module_switches__enabled=True)
            .exclude(status=Unit.Status.ARCHIVED).order_by("name"))


def district_overview() -> tuple[list[UnitFigures], UnitFigures]:
    """Per-unit figures and their district total (the total's ``unit`` is None)."""
    rows = []
    for unit in inspection_units():
        with schema_context(unit.schema_name):
            d = selectors.dashboard()
        open_cases = sum(s["count"] for s in d.by_stage if s["key"] not in ("closed", "withdrawn"))
        rows.append(UnitFigures(unit=unit, by_stage=d.by_stage, open_cases=open_cases,
                                overdue_steps=len(d.overdue_steps), overdue_payments=len(d.overdue_payments),
                                proposed=d.proposed.total, decided=d.decided.total, collected=d.collected.total))
    total = UnitFigures(unit=None)
    if rows:
        total.by_stage = [{**s, "count": sum(r.by_stage[i]["count"] for r in rows)}
                          for i, s in enumerate(rows[0].by_stage)]
    for attr in ("open_cases", "overdue_steps", "overdue_payments", "proposed", "decided", "collected"):
        setattr(total, attr, sum((getattr(r, attr) for r in rows), type(getattr(total, attr))()))
    return rows, total
