"""Fixtures shared by the assets module's tests."""
from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from modules.assets.models import Asset


@pytest.fixture
def people(alpha, make_user):
    """Alpha's officer, unit admin, finance department head, two custodians and a member without a role."""
    class P:
        officer = make_user(alpha, ["assets.asset_officer"])
        admin = make_user(alpha, ["platform.unit_admin"])
        head = make_user(alpha, ["assets.department_head"], name="财务科长")
        li = make_user(alpha, ["assets.custodian"], name="李四")
        wang = make_user(alpha, ["assets.custodian"], name="王五")
        outsider = make_user(alpha, [])
    return P


@pytest.fixture
def cards(alpha, beta, people, make_asset):
    """Alpha's cards of li (财务科), wang (办公室) and the store (财务科); beta holds cards with clashing ids."""
    made = {
        "li": make_asset(alpha, number="PM-001", name="李的电脑", custodian=people.li),
        "wang": make_asset(alpha, number="PM-002", name="王的打印机", custodian=people.wang),
        "store": make_asset(alpha, number="PM-003", name="库存桌椅"),
    }
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk__in=[made["li"].pk, made["store"].pk]).update(department="财务科")
        Asset.objects.filter(pk=made["wang"].pk).update(department="办公室")
    # Beta holds a card with li's card's id, in li's custody there too and in a department of the same name.
    beta_card = make_asset(beta, pk=made["li"].pk + 100000, number="BETA-PM", name="乙单位资产", custodian=people.li)
    make_asset(beta, pk=made["wang"].pk, number="BETA-SAME-ID", name="乙单位同号资产")
    with schema_context(beta.schema_name):
        Asset.objects.filter(pk=beta_card.pk).update(department="财务科")
    return made


@pytest.fixture
def staff(alpha, beta, make_user):
    """The people of a lending: officers and heads of alpha and beta, a custodian, the district bureau."""
    return {
        "officer": make_user(alpha, ["assets.asset_officer"], name="甲专管员"),
        "head": make_user(alpha, ["platform.unit_admin"], name="甲局长"),
        "custodian": make_user(alpha, ["assets.custodian"], name="甲使用人"),
        "officer_b": make_user(beta, ["assets.asset_officer"], name="乙专管员"),
        "head_b": make_user(beta, ["platform.unit_admin"], name="乙校长"),
        "bureau": make_user(district_roles=["district.finance_bureau"], name="区国资办"),
    }
