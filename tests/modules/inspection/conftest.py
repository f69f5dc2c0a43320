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


def set_rules(unit, people, **changes):
    """The unit's inspection rules: the defaults with ``changes``, set by its administrator."""
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import module_rules_update

    manifest = get_module("inspection")
    with schema_context(unit.schema_name):
        module_rules_update(manifest=manifest, values={**manifest.rule_defaults(), **changes}, actor=people.admin)


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


# A healthy wholesaler's year, the indicators worked out by hand in test_indicators. The tax
# payable (the tax burden's basis) equals the tax paid here; tests that tell them apart say so.
TYPICAL = dict(revenue="1000000.00", cost_of_sales="800000.00", cost_expense_total="950000.00",
               tax_payable="30000.00", taxes_paid="30000.00", total_profit="50000.00",
               inventory_opening="120000.00", inventory_closing="80000.00", purchases="780000.00",
               receivables_opening="90000.00", receivables_closing="110000.00", current_assets="600000.00",
               current_liabilities="400000.00", cash="150000.00")


@pytest.fixture
def industry(alpha, make_entity, make_filing):
    """Five wholesalers (F5137) in 2024: two ordinary, three that stand out.

    A declared (and paid) 6 000 tax instead of 30 000; B bought 1 170 000 to sell 1 000 000 and
    is a key taxpayer; C declared and paid no tax at all on its revenue.
    """
    e = {name: make_entity(alpha, name=name, key=(name == "B")) for name in ("A", "B", "C", "N1", "N2")}
    make_filing(alpha, e["A"], **{**TYPICAL, "tax_payable": "6000.00", "taxes_paid": "6000.00"})
    make_filing(alpha, e["B"], **{**TYPICAL, "purchases": "1170000.00"})
    make_filing(alpha, e["C"], **{**TYPICAL, "tax_payable": "0.00", "taxes_paid": "0.00"})
    make_filing(alpha, e["N1"], **TYPICAL)
    make_filing(alpha, e["N2"], **TYPICAL)
    return e


@pytest.fixture
def ranked(alpha, people, industry):
    """The fixture industry with its benchmarks computed: A, B and C are candidates."""
    from modules.inspection import services

    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
    return industry


class Journey:
    """Drive a case through its stages with the right person at each step (in alpha)."""

    def __init__(self, unit, people):
        self.unit, self.p = unit, people

    def __getattr__(self, name):
        from modules.inspection import services

        fn = getattr(services, name)

        def call(**kw):
            with schema_context(self.unit.schema_name):
                result = fn(**kw)
                if "case" in kw:
                    kw["case"].refresh_from_db()
                return result

        return call

    def select(self, entity):
        return self.case_select(actor=self.p.selector, entity=entity, period="2024")

    def to_inspecting(self, case):
        p = self.p
        self.case_assign(actor=p.chief, case=case, role="inspector", users=[p.inspector1, p.inspector2])
        self.conflict_declare(actor=p.inspector1, case=case, has_conflict=False)
        self.conflict_declare(actor=p.inspector2, case=case, has_conflict=False)
        return case

    def inspect(self, case, *, tax="10000.00", late="500.00", penalty="5000.00"):
        p = self.p
        paper = self.paper_add(actor=p.inspector1, case=case, title="账簿检查底稿", content="核对销售收入与发票")
        self.evidence_add(actor=p.inspector2, case=case, paper=paper, description="2024年12月银行流水复印件",
                          obtained_how="调取", obtained_on=None)
        self.finding_add(actor=p.inspector1, case=case, description="隐匿销售收入", paper=paper,
                         tax_amount=Decimal(tax), late_fee_amount=Decimal(late), penalty_amount=Decimal(penalty))
        self.report_submit(actor=p.inspector1, case=case, summary="经检查，该企业隐匿收入。")
        self.report_cosign(actor=p.inspector2, case=case)
        return case

    def review(self, case, *, tax="10000.00", late="500.00", penalty="5000.00"):
        p = self.p
        self.case_assign(actor=p.chief, case=case, role="reviewer", users=[p.reviewer])
        self.conflict_declare(actor=p.reviewer, case=case, has_conflict=False)
        self.review_decide(actor=p.reviewer, case=case, kind="tax_and_penalty", opinion="事实清楚，证据确凿。",
                           tax_amount=Decimal(tax), late_fee_amount=Decimal(late), penalty_amount=Decimal(penalty))
        return case

    def to_executing(self, case):
        p = self.p
        self.case_assign(actor=p.chief, case=case, role="executor", users=[p.executor])
        self.conflict_declare(actor=p.executor, case=case, has_conflict=False)
        return case


@pytest.fixture
def journey(alpha, people):
    return Journey(alpha, people)
