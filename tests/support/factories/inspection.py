"""Taxpayers and inspection cases made as the selector's pages make them
(modules.inspection.services: the register's checks, case numbering, the case's first state
and deadline, audited)."""
from __future__ import annotations

import itertools

import factory

from modules.inspection.models import InspectedEntity, InspectionCase
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


class CaseFactory(InUnitFactory):
    """A case selected by hand (a tip-off unless ``kind`` says otherwise) for ``entity`` (a new
    taxpayer unless given)."""

    class Meta:
        model = InspectionCase

    class Params:
        actor_roles = (SELECTOR,)

    entity = factory.LazyAttribute(lambda o: TaxpayerFactory(unit=o.unit, actor=o.actor))
    kind = InspectionCase.ManualKind.TIP_OFF
    reason = "群众举报该企业长期隐匿销售收入"
    period = ""

    _service = "modules.inspection.services:case_open_manual"
