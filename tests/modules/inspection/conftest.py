"""Fixtures for the inspection module: people holding each stage's role in a unit, and
helpers creating taxpayers and filings in a unit's schema."""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tenants.validators import credit_code_check_char

_codes = itertools.count(1)

SELECTOR = "inspection.selector"
INSPECTOR = "inspection.inspector"
REVIEWER = "inspection.reviewer"
EXECUTOR = "inspection.executor"
SUPERVISOR = "inspection.supervisor"


def credit_code(n: int | None = None) -> str:
    first17 = f"91110105MA{(n if n is not None else next(_codes)):07d}"
    return first17 + credit_code_check_char(first17)


def D(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


@pytest.fixture
def people(alpha, make_user):
    """One person per role in unit alpha (two extra inspectors for the two-person rule)."""

    class P:
        selector = make_user(alpha, [SELECTOR], name="选案 甲")
        inspector1 = make_user(alpha, [INSPECTOR], name="检查 乙")
        inspector2 = make_user(alpha, [INSPECTOR], name="检查 丙")
        inspector3 = make_user(alpha, [INSPECTOR], name="检查 丁")
        reviewer = make_user(alpha, [REVIEWER], name="审理 戊")
        executor = make_user(alpha, [EXECUTOR], name="执行 己")
        chief = make_user(alpha, [SUPERVISOR], name="局长 庚")
        admin = make_user(alpha, ["inspection.module_admin"], name="模块管理员")

    return P


@pytest.fixture
def make_entity():
    def make(unit, *, name=None, industry_code="F5137", key=False, code=None, pk=None):
        from modules.inspection.models import InspectedEntity

        with schema_context(unit.schema_name):
            return InspectedEntity.objects.create(
                pk=pk, name=name or f"测试商贸{next(_codes)}有限公司", credit_code=code or credit_code(),
                industry_code=industry_code, tax_office="第一税务所", is_key_taxpayer=key)

    return make


@pytest.fixture
def make_filing():
    def make(unit, entity, period="2024", **figures):
        from modules.inspection.models import FinancialFiling

        with schema_context(unit.schema_name):
            return FinancialFiling.objects.create(entity=entity, period=period,
                                                  **{k: D(v) for k, v in figures.items()})

    return make


# A healthy wholesaler's year, the indicators worked out by hand in test_indicators.
TYPICAL = dict(revenue="1000000.00", cost_of_sales="800000.00", taxes_paid="30000.00", total_profit="50000.00",
               inventory_opening="120000.00", inventory_closing="80000.00", purchases="780000.00",
               receivables_opening="90000.00", receivables_closing="110000.00", current_assets="600000.00",
               current_liabilities="400000.00", cash="150000.00")
