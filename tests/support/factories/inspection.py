"""Taxpayers made as the selector's register page makes them (modules.inspection.services:
the register's checks, audited). Cases are opened in the tests by the inspection tests' own
``journey`` (tests/modules/inspection/conftest.py), which walks them through every stage."""
from __future__ import annotations

import itertools

import factory

from modules.inspection.models import InspectedEntity
from tenants.validators import credit_code_check_char

from ._base import InUnitFactory

SELECTOR = "inspection.selector"
_codes = itertools.count(1)


def credit_code() -> str:
    """A valid unified social credit code (GB 32100 check character), unique per call."""
    first17 = f"91110105FB{next(_codes):07d}"
    return first17 + credit_code_check_char(first17)


class TaxpayerFactory(InUnitFactory):
    """A taxpayer in the unit's register (纳税人名册)."""

    class Meta:
        model = InspectedEntity

    class Params:
        actor_roles = (SELECTOR,)

    name = factory.Sequence(lambda n: f"测试商贸{n}有限公司")
    credit_code = factory.LazyFunction(credit_code)
    industry_code = "F5137"
    tax_office = "第一税务所"

    _service = "modules.inspection.services:entity_register"
