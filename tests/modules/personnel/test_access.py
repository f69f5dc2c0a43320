"""Access tiers on every personnel page (issue 6, essay 篇七 分级授权):

* staff see their own record and history only;
* a department head sees the people of their department (and below), nobody else;
* HR (personnel.hr) sees and manages the unit; only HR reveals full ID numbers;
* the unit leader approves, and alone may override the hand-over check;
* district HR (district.hr_bureau) is not a member of the unit: no unit page answers them.

Each tier is walked over every route of the module (the test fails when a route is added
without an expectation here)."""
from __future__ import annotations

from datetime import date

import pytest
from django.urls import get_resolver
from django_tenants.utils import schema_context

from modules.personnel import services
from modules.personnel.models import HandoverItem
from tests.support.factories.personnel import id_number
from tests.support.personnel import Org, transfer_approved, transfer_requested

OK, DENIED = "ok", "denied"


@pytest.fixture
def world(alpha, make_user):
    org = Org(alpha, make_user)
    w = type("World", (), {})()
    w.org = org
    w.staff_user = make_user(alpha, [], name="职员本人")
    w.colleague_user = make_user(alpha, [], name="同科同事")
    w.own = org.person("职员本人", user=w.staff_user, number=id_number(date(1991, 1, 1)))
    w.same_dept = org.person("同科同事", user=w.colleague_user)  # 办公室, headed by org.head
    w.other = org.person("财务会计", post=org.accountant)  # 财务科: nobody's department here
    w.own_transfer = transfer_approved(org, transfer_requested(org, w.own, kind="promotion",
                                                               after_rank="四级主任科员"))
    w.other_transfer = transfer_approved(org, transfer_requested(org, w.other, kind="promotion",
                                                                 after_rank="三级主任科员"))
    with schema_context(alpha.schema_name):
        w.item = services.handover_item_add(actor=org.hr, transfer=w.other_transfer, label="保险柜钥匙")
    w.staff = w.staff_user
    w.head = org.head
    w.hr = org.hr
    w.leader = org.leader
    w.district_hr = make_user(district_roles=["district.hr_bureau"], name="区人社局")
    return w


def routes(w):
    """(name, method, path, {tier: expected}) for every route of the module."""
    o, oth, t, tx = w.own.pk, w.other.pk, w.own_transfer.pk, w.other_transfer.pk
    d, p = w.org.office.pk, w.org.clerk.pk
    own_only = {"staff": OK, "head": OK, "hr": OK, "leader": OK}  # the head heads 办公室, where 职员本人 works
    hr_only = {"staff": DENIED, "head": DENIED, "hr": OK, "leader": DENIED}
    unit_view = {"staff": DENIED, "head": DENIED, "hr": OK, "leader": OK}
    return [
        ("person_list", "get", "/m/personnel/", {"staff": OK, "head": OK, "hr": OK, "leader": OK}),
        ("my_record", "get", "/m/personnel/me/", {"staff": OK, "head": OK, "hr": OK, "leader": OK}),
        ("person_create", "get", "/m/personnel/people/new/", hr_only),
        ("person_detail", "get", f"/m/personnel/people/{o}/", own_only),
        ("person_detail", "get", f"/m/personnel/people/{oth}/", unit_view),
        ("person_edit", "get", f"/m/personnel/people/{o}/edit/", hr_only),
        ("person_reveal", "post", f"/m/personnel/people/{o}/reveal/", hr_only),
        ("transfer_create", "get", f"/m/personnel/people/{o}/transfers/new/",
         {"staff": DENIED, "head": DENIED, "hr": OK, "leader": OK}),
        ("transfer_list", "get", "/m/personnel/transfers/", {"staff": OK, "head": OK, "hr": OK, "leader": OK}),
        ("transfer_detail", "get", f"/m/personnel/transfers/{t}/", own_only),
        ("transfer_detail", "get", f"/m/personnel/transfers/{tx}/", unit_view),
        ("handover_add", "post", f"/m/personnel/transfers/{tx}/handover/add/", hr_only),
        ("handover_refresh", "post", f"/m/personnel/transfers/{tx}/handover/refresh/", hr_only),
        ("handover_override", "post", f"/m/personnel/transfers/{tx}/handover/override/",
         {"staff": DENIED, "head": DENIED, "hr": DENIED, "leader": OK}),
        ("handover_done", "post", f"/m/personnel/transfers/{tx}/handover/{w.item.pk}/done/", hr_only),
        ("transfer_reverse", "post", f"/m/personnel/transfers/{t}/reverse/",
         {"staff": DENIED, "head": DENIED, "hr": OK, "leader": DENIED}),
        ("secondment_end", "post", f"/m/personnel/transfers/{t}/secondment-end/",
         {"staff": DENIED, "head": DENIED, "hr": OK, "leader": DENIED}),
        ("organisation", "get", "/m/personnel/organisation/", unit_view),
        ("department_create", "get", "/m/personnel/organisation/departments/new/", hr_only),
        ("department_edit", "get", f"/m/personnel/organisation/departments/{d}/edit/", hr_only),
        ("post_create", "get", "/m/personnel/organisation/posts/new/", hr_only),
        ("post_establishment", "post", f"/m/personnel/organisation/posts/{p}/establishment/", hr_only),
        ("figures", "get", "/m/personnel/figures/", unit_view),
    ]


POST_DATA = {"reason": "测试理由", "label": "门禁卡", "mandatory": "on", "establishment": "3",
             "note": "已交"}


def _outcome(response) -> str:
    if response.status_code in (403, 404):
        return DENIED
    if response.status_code == 302 and "/accounts/login" in response["Location"]:
        return DENIED
    assert response.status_code in (200, 302), response.status_code
    return OK


def test_every_route_has_an_expectation(world):
    names = {name for name, *_ in routes(world)}
    resolver = get_resolver("modules.personnel.urls")
    # This file covers the pages of views.py; the cross-unit pages (exchange/views.py) have their own tests.
    declared = {p.name for p in resolver.url_patterns if p.callback.__module__ == "modules.personnel.views"}
    assert declared == names, declared ^ names


@pytest.mark.parametrize("tier", ["staff", "head", "hr", "leader"])
def test_each_tier_on_each_route(world, tier, client_for):
    client = client_for(getattr(world, tier))
    for name, method, path, expected in routes(world):
        response = getattr(client, method)(path, POST_DATA if method == "post" else None)
        assert _outcome(response) == expected[tier], f"{tier} {method.upper()} {path} ({name}): " \
                                                     f"{response.status_code}"


def test_lists_show_each_tier_only_their_people(world, client_for):
    names = ("职员本人", "同科同事", "财务会计")

    def seen(user, path="/m/personnel/"):
        page = client_for(user).get(path).content.decode()
        return {n for n in names if n in page}

    assert seen(world.staff) == {"职员本人"}
    assert seen(world.head) == {"职员本人", "同科同事"}
    assert seen(world.hr) == set(names)
    assert seen(world.staff, "/m/personnel/transfers/") == {"职员本人"}
    assert seen(world.head, "/m/personnel/transfers/") == {"职员本人"}  # the colleague has no move
    assert seen(world.hr, "/m/personnel/transfers/") == {"职员本人", "财务会计"}


def test_staff_see_their_own_history_not_the_reveal(world, client_for):
    page = client_for(world.staff).get(f"/m/personnel/people/{world.own.pk}/").content.decode()
    assert "一级科员" in page and world.own.id_number_masked in page
    assert "/reveal/" not in page
    hr_page = client_for(world.hr).post(f"/m/personnel/people/{world.own.pk}/reveal/").content.decode()
    with schema_context(world.org.unit.schema_name):
        full = services.person_reveal_id_number(actor=world.hr, person=world.own)
    assert full in hr_page


def test_district_hr_reaches_no_unit_page(world, client_for):
    client = client_for(world.district_hr)
    for _name, method, path, _expected in routes(world):
        response = getattr(client, method)(path, POST_DATA if method == "post" else None)
        assert _outcome(response) == DENIED, f"district HR {method.upper()} {path}: {response.status_code}"
        assert "职员本人" not in response.content.decode()


def test_denied_posts_change_nothing(world, client_for):
    client = client_for(world.head)
    client.post(f"/m/personnel/transfers/{world.other_transfer.pk}/handover/{world.item.pk}/done/")
    client.post(f"/m/personnel/organisation/posts/{world.org.clerk.pk}/establishment/",
                {"establishment": "9", "reason": "x"})
    with schema_context(world.org.unit.schema_name):
        assert not HandoverItem.objects.get(pk=world.item.pk).done
        world.org.clerk.refresh_from_db()
        assert world.org.clerk.establishment == 2
