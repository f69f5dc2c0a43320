"""Who sees and edits which asset cards: custodians their own (list, card, export, API,
PDF register all read the same selector), department heads their departments' cards read
only, the asset officer and the unit admin every card; beta's cards with the same ids never
show in alpha."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.assets import selectors, services
from modules.assets.models import Asset, DepartmentHead
from tests.support.asset_cards import exported, listed
from zhengtong.audit.models import AuditEvent


def api_numbers(client):
    return sorted(c["number"] for c in client.get("/api/assets/cards/").json()["results"])


def test_custodian_sees_and_edits_only_their_own(people, cards, client_for):
    c = client_for(people.li)
    assert listed(c) == ["PM-001"] == exported(c) == api_numbers(c)
    assert c.get(f"/m/assets/{cards['li'].pk}/").status_code == 200
    assert c.get(f"/m/assets/{cards['wang'].pk}/").status_code == 404  # not 403: existence not confirmed
    assert c.get(f"/api/assets/cards/{cards['wang'].pk}/").status_code == 404
    assert c.get(f"/m/assets/{cards['li'].pk}/edit/").status_code == 200
    assert c.get(f"/m/assets/{cards['wang'].pk}/edit/").status_code == 404
    r = c.post(f"/m/assets/{cards['wang'].pk}/status/", {"status": "idle", "version": 1})
    assert r.status_code == 404
    r = c.post(f"/m/assets/{cards['li'].pk}/status/", {"status": "repair", "reason": "屏幕损坏", "version": 1})
    assert r.status_code == 302
    page = c.get(f"/m/assets/{cards['li'].pk}/").content.decode()
    assert "屏幕损坏" in page
    card = c.get(f"/api/assets/cards/{cards['li'].pk}/").json()
    assert (card["status"], card["status_reason"], card["version"]) == ("repair", "屏幕损坏", 2)
    assert card["status_changed_on"] == timezone.localdate().isoformat()


def test_department_head_sees_their_departments_cards_read_only(alpha, people, cards, client_for):
    c = client_for(people.head)
    assert listed(c) == [] == exported(c) == api_numbers(c)  # no department assigned yet
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):  # a custodian cannot make themselves a head
            services.department_head_assign(actor=people.li, user=people.head, department="财务科")
        with pytest.raises(ValidationError, match="部门负责人角色"):  # only holders of the role can be heads
            services.department_head_assign(actor=people.admin, user=people.li, department="财务科")
    admin = client_for(people.admin)
    assert admin.get("/m/assets/department-heads/").status_code == 200
    r = admin.post("/m/assets/department-heads/", {"user": people.head.pk, "department": "财务科"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="assets.department_head.assign", actor_id=people.admin.pk).exists()
    assert listed(c) == ["PM-001", "PM-003"] == exported(c) == api_numbers(c)
    assert c.get(f"/m/assets/{cards['store'].pk}/").status_code == 200
    assert c.get(f"/m/assets/{cards['wang'].pk}/").status_code == 404
    assert c.get(f"/m/assets/{cards['store'].pk}/edit/").status_code == 403  # reads, does not edit
    assert c.patch(f"/api/assets/cards/{cards['store'].pk}/", {"name": "改名"},
                   content_type="application/json").status_code == 403
    # Losing the role ends the view even if the mapping stays.
    from zhengtong.accounts.services import member_roles_set
    member_roles_set(unit=alpha, user=people.head, role_keys=[], actor=None, enforce_grantor=False)
    people.head.refresh_from_db()
    assert listed(client_for(people.head)) == []
    # Custodians and members without a role cannot open the mapping page.
    assert client_for(people.li).get("/m/assets/department-heads/").status_code == 403


def test_officer_and_unit_admin_see_every_card_of_their_unit_only(people, cards, client_for):
    for who in (people.officer, people.admin):
        c = client_for(who)
        assert listed(c) == ["PM-001", "PM-002", "PM-003"] == exported(c) == api_numbers(c)
        assert "乙单位" not in c.get(f"/m/assets/{cards['wang'].pk}/").content.decode()
    assert client_for(people.admin).get(f"/m/assets/{cards['wang'].pk}/edit/").status_code == 403
    assert listed(client_for(people.outsider)) == []


def test_beta_user_cannot_read_or_change_alpha_cards_with_the_same_ids(beta, make_user, people, cards, client_for):
    from tests.conftest import BETA_HOST

    beta_officer = make_user(beta, ["assets.asset_officer"])
    c = client_for(beta_officer, BETA_HOST)
    assert listed(c) == ["BETA-PM", "BETA-SAME-ID"]
    page = c.get(f"/m/assets/{cards['wang'].pk}/").content.decode()
    assert "BETA-SAME-ID" in page and "PM-002" not in page
    c.post(f"/m/assets/{cards['wang'].pk}/status/", {"status": "idle", "version": 1})
    with schema_context(cards_schema(cards)):
        assert Asset.objects.get(pk=cards["wang"].pk).status == "in_use"
    # Alpha's officer on beta's host is not a member there: nothing.
    assert client_for(people.officer, BETA_HOST).get(f"/m/assets/{cards['wang'].pk}/").status_code in (302, 403, 404)


def cards_schema(cards) -> str:
    from tenants.models import Unit

    return Unit.objects.get(slug="alpha").schema_name


@pytest.mark.parametrize("role", ["officer", "li", "head"])
def test_asset_list_is_one_query_whatever_the_role_and_size(alpha, people, make_asset, role):
    user = getattr(people, role)
    with schema_context(alpha.schema_name):
        DepartmentHead.objects.create(user=people.head, department="财务科")

    def count(n):
        for _ in range(n):
            make_asset(alpha, custodian=people.li)
        with schema_context(alpha.schema_name):
            user_fresh = type(user).objects.get(pk=user.pk)
            list(selectors.asset_list(user=user_fresh)[:1])  # permission and content type caches
            with CaptureQueriesContext(connection) as ctx:
                rows = [(a.number, a.custodian.name if a.custodian_id else "")
                        for a in selectors.asset_list(user=user_fresh)[:50]]
            reads = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("SET search_path")]
            return reads, len(rows)

    small, _ = count(3)
    large, rows = count(40)
    # One statement: cards, custodians and the permission filters (subqueries) together.
    assert len(small) == len(large) == 1, (small, large)
    assert "assets_asset" in large[0]
    assert rows > 3 or role == "head"
