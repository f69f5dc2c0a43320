"""Custody register of keys, cards and credentials: who holds what since when, every movement
audited, never the secret itself; managers and the custody officer keep it, holders see their
own items; a unit never sees another unit's register, even with the same ids."""
from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.equipment.custody import services
from modules.equipment.custody.models import (
    CustodyItem,
    CustodyMovement,
    DamageIncident,
    Evaluation,
    HandoverTask,
    Semester,
)
from tests.conftest import BETA_HOST
from zhengtong.audit.models import AuditEvent

from .equipment_factories import MANAGER, USER, make_place

BASE = "/m/equipment/custody"
OFFICER = "equipment.custody_officer"


@pytest.fixture
def people(alpha, make_user):
    class P:
        officer = make_user(alpha, [OFFICER], name="钥匙保管员")
        manager = make_user(alpha, [MANAGER], name="信息中心主任")
        holder = make_user(alpha, [USER], name="机房管理员")
        next_holder = make_user(alpha, [USER], name="新任管理员")
        teacher = make_user(alpha, [USER], name="普通教师")
    return P


def test_issue_transfer_return_and_retire_are_recorded_and_audited(alpha, people):
    p = people
    with schema_context(alpha.schema_name):
        room = make_place(alpha, responsible=p.holder, name="学生机房")
        key = services.custody_item_register(actor=p.officer, kind="key", name="学生机房门钥匙", place=room, count=3)
        assert key.status == CustodyItem.Status.IN_STORE and key.holder is None

        services.custody_issue(actor=p.officer, item=key, to_holder=p.holder, on=date(2026, 9, 1), note="开学发放")
        key.refresh_from_db()
        assert (key.holder, key.held_since, key.status) == (p.holder, date(2026, 9, 1), CustodyItem.Status.HELD)

        with pytest.raises(ValidationError, match="在库"):
            services.custody_issue(actor=p.officer, item=key, to_holder=p.next_holder)
        services.custody_transfer(actor=p.officer, item=key, to_holder=p.next_holder, on=date(2026, 10, 8))
        key.refresh_from_db()
        assert key.holder == p.next_holder and key.held_since == date(2026, 10, 8)

        services.custody_return(actor=p.officer, item=key)
        services.custody_retire(actor=p.officer, item=key, note="锁芯更换，旧钥匙作废")
        key.refresh_from_db()
        assert key.status == CustodyItem.Status.RETIRED and key.holder is None

        history = list(CustodyMovement.objects.filter(item=key).order_by("at", "id").values_list("action", flat=True))
        assert history == ["register", "issue", "transfer", "return", "retire"]
        actions = set(AuditEvent.objects.filter(object_id=str(key.pk), action__startswith="equipment.custody.")
                      .values_list("action", flat=True))
        assert actions == {"equipment.custody.register", "equipment.custody.issue", "equipment.custody.transfer",
                           "equipment.custody.return", "equipment.custody.retire"}


def test_the_register_never_takes_a_password(alpha, people, client_for):
    p = people
    with schema_context(alpha.schema_name):
        for text in ("密码：Abc12345", "root password=hunter2", "口令为 889900", "PIN: 1234"):
            with pytest.raises(ValidationError, match="不保存密码本身"):
                services.custody_item_register(actor=p.officer, kind="credential", name="服务器账号", notes=text)
        # naming a credential is fine: what it opens and who keeps it
        item = services.custody_item_register(actor=p.officer, kind="credential", name="门禁系统管理员密码",
                                              system="门禁系统", holder=p.holder)
        assert item.status == CustodyItem.Status.HELD
        assert not [f for f in CustodyItem._meta.get_fields() if "password" in f.name or "secret" in f.name]

    page = client_for(p.officer).get(f"{BASE}/keys/new/").content.decode()
    assert 'type="password"' not in page
    assert "本系统不保存任何密码" in page


def test_role_checks_holders_see_only_their_own_items(alpha, people, client_for):
    p = people
    with schema_context(alpha.schema_name):
        mine = services.custody_item_register(actor=p.officer, kind="key", name="备课室钥匙", holder=p.holder)
        other = services.custody_item_register(actor=p.officer, kind="card", name="档案室门卡", holder=p.teacher)
        for who in (p.holder, p.teacher):
            with pytest.raises(PermissionDenied):
                services.custody_item_register(actor=who, kind="key", name="私配钥匙")
            with pytest.raises(PermissionDenied):
                services.custody_transfer(actor=who, item=mine, to_holder=p.next_holder)

    holder = client_for(p.holder)
    page = holder.get(f"{BASE}/keys/").content.decode()
    assert "备课室钥匙" in page and "档案室门卡" not in page
    assert holder.get(f"{BASE}/keys/{other.pk}/").status_code == 404
    assert holder.get(f"{BASE}/keys/new/").status_code == 403
    assert holder.post(f"{BASE}/keys/{mine.pk}/transfer/", {"to_holder": p.holder.pk}).status_code == 403
    page = client_for(p.manager).get(f"{BASE}/keys/").content.decode()
    assert "备课室钥匙" in page and "档案室门卡" in page

    officer = client_for(p.officer)
    r = officer.post(f"{BASE}/keys/{mine.pk}/transfer/", {"to_holder": p.next_holder.pk, "on": "2026-11-02"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        assert CustodyItem.objects.get(pk=mine.pk).holder == p.next_holder


SAME_ID = 880_001


def _seed_same_ids(unit, person, marker):
    """Rows with the same ids in a unit: a key, a hand-over task, a damage incident, an evaluation."""
    place = make_place(unit, responsible=person, name=f"{marker}场所", pk=SAME_ID)
    with schema_context(unit.schema_name):
        CustodyItem.objects.create(pk=SAME_ID, kind="key", name=f"{marker}钥匙", holder=person,
                                   held_since=date(2026, 1, 1), status="held")
        HandoverTask.objects.create(pk=SAME_ID, person=person, person_name=f"{marker}移交人", source="manual")
        DamageIncident.objects.create(pk=SAME_ID, title=f"{marker}损坏", occurred_on=date(2026, 3, 1), kind="loss",
                                      cost="100.00", created_by=person)
        semester = Semester.objects.create(pk=SAME_ID, name=f"{marker}学期", starts_on=date(2026, 2, 1),
                                           ends_on=date(2026, 7, 1))
        Evaluation.objects.create(pk=SAME_ID, semester=semester, place=place, responsible=person, evaluator=person,
                                  status="final")


def test_unit_beta_cannot_read_or_change_alpha_rows_with_the_same_ids(alpha, beta, make_user, client_for):
    alpha_manager = make_user(alpha, [MANAGER], name="甲单位主任")
    beta_manager = make_user(beta, [MANAGER], name="乙单位主任")
    _seed_same_ids(alpha, alpha_manager, "甲单位")
    _seed_same_ids(beta, beta_manager, "乙单位")
    pages = [f"{BASE}/keys/{SAME_ID}/", f"{BASE}/handovers/{SAME_ID}/", f"{BASE}/damage/{SAME_ID}/",
             f"{BASE}/evaluations/{SAME_ID}/", f"{BASE}/keys/", f"{BASE}/handovers/", f"{BASE}/damage/",
             f"{BASE}/evaluations/?semester={SAME_ID}"]
    beta_client = client_for(beta_manager, BETA_HOST)
    for url in pages:
        r = beta_client.get(url)
        assert r.status_code == 200, url
        assert "甲单位" not in r.content.decode(), url  # own unit's row, never alpha's
    assert "乙单位钥匙" in beta_client.get(f"{BASE}/keys/{SAME_ID}/").content.decode()
    # beta's manager on alpha's host: not a member there
    alpha_host = client_for(beta_manager)
    for url in pages:
        assert alpha_host.get(url).status_code in (302, 403, 404), url
    assert alpha_host.post(f"{BASE}/keys/{SAME_ID}/return/").status_code in (302, 403, 404)
    # a change through beta's own host touches beta's row only
    r = beta_client.post(f"{BASE}/keys/{SAME_ID}/return/", {})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        assert CustodyItem.objects.get(pk=SAME_ID).holder == alpha_manager
    with schema_context(beta.schema_name):
        assert CustodyItem.objects.get(pk=SAME_ID).holder is None
    # and alpha's services in alpha's schema never see beta's people as members
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match="本单位"):
            services.custody_issue(actor=alpha_manager, item=CustodyItem.objects.create(kind="key", name="新钥匙"),
                                   to_holder=beta_manager)
