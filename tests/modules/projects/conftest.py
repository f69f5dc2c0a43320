"""Fixtures of the IT projects module's tests: a unit's project people (one per essay role) and
projects made through the services."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from modules.projects import manifest as m


class People:
    pass


@pytest.fixture
def people(alpha, make_user):
    """Alpha's projects people: an applicant, the unit's leader and one holder of each review role."""
    p = People()
    p.staff = make_user(alpha, [m.STAFF], name="申请人小王")
    p.other_staff = make_user(alpha, [m.STAFF], name="申请人小李")
    p.leader = make_user(alpha, [m.LEADER], name="单位负责人")
    p.finance = make_user(alpha, [m.FINANCE], name="计财部审查人")
    p.equipment = make_user(alpha, [m.EQUIPMENT], name="设备部审查人")
    p.it = make_user(alpha, [m.IT_AUTHORITY], name="运营改善部主任")
    p.admin = make_user(alpha, [m.MODULE_ADMIN], name="项目模块管理员")
    p.bureau = make_user(district_roles=[m.DISTRICT_STEP_ROLE], name="区财政局审批人")
    return p


@pytest.fixture
def apply():
    """apply(unit, actor, investment, **fields) -> a draft project made by project_create."""
    from modules.projects.services import project_create

    def make(unit, actor, investment, *, name="智慧校园应用系统", scope="application", kind="new", year=2026):
        with schema_context(unit.schema_name):
            return project_create(actor=actor, name=name, scope=scope, kind=kind,
                                  estimated_investment=Decimal(investment), year=year)

    return make
