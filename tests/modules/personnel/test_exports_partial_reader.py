"""Every personnel export, downloaded by readers who may see only part of the unit: the rows
are exactly the people their tier shows on the pages (issue 13: making the staff export ignore
the access tiers passed every test). Tiers: modules/personnel/selectors.py."""
from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from modules.personnel.models import Person
from tests.conftest import ALPHA_HOST
from tests.support.exports import export_status, exported
from tests.support.factories.personnel import id_number
from tests.support.personnel import Org

NAME = "姓名"


@pytest.fixture
def tiers(alpha, make_user):
    """办公室 (headed by 科长) with 档案室 below it, 财务科 headed by nobody; a clerk with an account."""
    org = Org(alpha, make_user)
    clerk_user = make_user(alpha, [], name="财务职员")
    org.person("办公室文秘", post=org.clerk, number=id_number(date(1990, 1, 2)))
    org.person("档案员小周", post=org.archivist, number=id_number(date(1991, 3, 4)))
    org.person("财务会计", post=org.accountant, user=clerk_user, number=id_number(date(1992, 5, 6)))
    left = org.person("已离职文秘", post=org.clerk, number=id_number(date(1985, 7, 8)))
    with schema_context(alpha.schema_name):  # left the unit (a resignation's end state; how is not the point)
        Person.objects.filter(pk=left.pk).update(status=Person.Status.LEFT)
    org.clerk_user = clerk_user
    org.nobody = make_user(alpha, ["assets.custodian"], name="无人事档案的成员")
    return org


def test_the_staff_list_export_holds_exactly_what_each_tier_may_see(tiers, client_for):
    def names(user, **params):
        return exported(client_for(user, ALPHA_HOST), "personnel.person", NAME, **params)

    everyone = sorted(["办公室文秘", "档案员小周", "财务会计"])
    assert names(tiers.hr) == everyone
    assert names(tiers.leader) == everyone
    assert names(tiers.hr, all="1") == sorted([*everyone, "已离职文秘"])
    # a department head: their department and the ones below it, nobody else — also when asking for all
    assert names(tiers.head) == sorted(["办公室文秘", "档案员小周"])
    assert names(tiers.head, all="1") == sorted(["办公室文秘", "档案员小周", "已离职文秘"])
    assert names(tiers.head, department=str(tiers.finance.pk)) == []  # a filter never widens the tier
    # anyone else: their own record only, or nothing
    assert names(tiers.clerk_user) == ["财务会计"]
    assert names(tiers.clerk_user, q="文秘") == []
    assert names(tiers.nobody) == []


def test_the_moves_export_is_for_hr_and_the_leader_only(tiers, client_for):
    for user in (tiers.hr, tiers.leader):
        assert export_status(client_for(user, ALPHA_HOST), "personnel.movements") == 200
    # a partial reader gets no unit-wide list of moves (neither format)
    for user in (tiers.head, tiers.clerk_user, tiers.nobody):
        for fmt in ("csv", "xlsx"):
            assert export_status(client_for(user, ALPHA_HOST), "personnel.movements", fmt) == 403
