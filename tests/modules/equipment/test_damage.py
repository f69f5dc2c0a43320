"""Damage incidents (赔偿): loss / damage by a person / normal wear (charges nobody); shares must
add up to exactly 100 %; amounts to the fen add up to exactly the cost; the unit's leadership
approves through the approval engine; payments are recorded per person."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.equipment.custody import services
from modules.equipment.custody.models import DamageIncident, DamageShare
from zhengtong.approvals.models import ApprovalRequest, ApprovalStep
from zhengtong.approvals.services import approval_decide, approval_resubmit, approval_submit
from zhengtong.audit.models import AuditEvent

from .equipment_factories import MANAGER, USER

BASE = "/m/equipment/custody"


@pytest.fixture
def people(alpha, make_user):
    class P:
        manager = make_user(alpha, [MANAGER], name="信息中心主任")
        head = make_user(alpha, ["platform.unit_admin"], name="分管校长")
        a = make_user(alpha, [USER], name="甲老师")
        b = make_user(alpha, [USER], name="乙老师")
        c = make_user(alpha, [USER], name="丙老师")
        bystander = make_user(alpha, [USER], name="无关教师")
    return P


def _incident(unit, actor, *, cost="100.00", kind="human_damage", title="投影仪灯泡被撞碎"):
    with schema_context(unit.schema_name):
        return services.damage_incident_create(actor=actor, title=title, occurred_on=date(2026, 10, 15), kind=kind,
                                               cost=D(cost))


def _amounts(unit, incident):
    with schema_context(unit.schema_name):
        return [(s.person_id, s.share, s.amount) for s in DamageShare.objects.filter(incident=incident)
                .order_by("position")]


def test_three_people_at_33_33_33_33_33_34_of_100_yuan_pay_exactly_100(alpha, people):
    p = people
    incident = _incident(alpha, p.manager)
    with schema_context(alpha.schema_name):
        services.damage_shares_set(actor=p.manager, incident=incident,
                                   shares=[(p.a, D("33.33")), (p.b, D("33.33")), (p.c, D("33.34"))])
    rows = _amounts(alpha, incident)
    assert [r[2] for r in rows] == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(r[2] for r in rows) == D("100.00")


def test_thirds_of_ten_fen_still_add_up_to_ten_fen(alpha, people):
    p = people
    incident = _incident(alpha, p.manager, cost="0.10", title="鼠标线被剪断")
    with schema_context(alpha.schema_name):
        services.damage_shares_set(actor=p.manager, incident=incident,
                                   shares=[(p.a, D("33.33")), (p.b, D("33.33")), (p.c, D("33.34"))])
        assert [s.amount for s in incident.shares.order_by("position")] == [D("0.03"), D("0.03"), D("0.04")]
        # a changed cost is split again, still to the fen and exactly
        services.damage_incident_update(actor=p.manager, incident=incident, cost=D("1000.01"))
        amounts = [s.amount for s in incident.shares.order_by("position")]
        assert sum(amounts) == D("1000.01") and amounts == [D("333.30"), D("333.30"), D("333.41")]


@pytest.mark.parametrize("shares, message", [
    ([D("50.00"), D("49.99")], "合计必须正好是 100%，现在是 99.99%"),
    ([D("60.00"), D("40.01")], "现在是 100.01%"),
    ([D("70.00")], "现在是 70.00%"),
])
def test_shares_not_adding_up_to_exactly_100_are_refused_with_the_sum(alpha, people, shares, message):
    p = people
    incident = _incident(alpha, p.manager)
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match=message):
            services.damage_shares_set(actor=p.manager, incident=incident,
                                       shares=list(zip([p.a, p.b, p.c], shares, strict=False)))
        assert not incident.shares.exists()


def test_normal_wear_charges_nobody(alpha, people):
    p = people
    incident = _incident(alpha, p.manager, kind="wear", title="键盘按键自然磨损")
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match="正常损耗不需赔偿"):
            services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("100.00"))])
        req = approval_submit(type_key="equipment.damage", subject_id=incident.pk, actor=p.manager)
        step = req.steps.get(status=ApprovalStep.Status.ACTIVE)
        approval_decide(request_id=req.pk, step_id=step.pk, actor=p.head, decision="approve")
        incident.refresh_from_db()
        assert incident.status == DamageIncident.Status.SETTLED  # nothing is due from anyone
        assert not incident.shares.exists()
        # reclassifying a charged incident as wear drops its shares
        other = services.damage_incident_create(actor=p.manager, title="显示器老化", occurred_on=date(2026, 10, 1),
                                                kind="human_damage", cost=D("300.00"))
        services.damage_shares_set(actor=p.manager, incident=other, shares=[(p.a, D("100.00"))])
        services.damage_incident_update(actor=p.manager, incident=other, kind="wear")
        assert not other.shares.exists()


def test_approval_then_payments_per_person_settle_the_incident(alpha, people):
    p = people
    incident = _incident(alpha, p.manager, cost="1250.00", kind="loss", title="电子阅览室平板电脑丢失")
    with schema_context(alpha.schema_name):
        # incomplete shares cannot go into approval
        with pytest.raises(ValidationError, match="至少需要一名责任人"):
            approval_submit(type_key="equipment.damage", subject_id=incident.pk, actor=p.manager)
        services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("60.00")), (p.b, D("40.00"))])
        with pytest.raises(ValidationError, match="审批后"):
            services.damage_payment_record(actor=p.manager, share=incident.shares.first(), paid_on=date(2026, 11, 1))

        req = approval_submit(type_key="equipment.damage", subject_id=incident.pk, actor=p.manager,
                              reason="经信息中心与分管校长调查确定")
        incident.refresh_from_db()
        assert incident.status == DamageIncident.Status.IN_APPROVAL
        assert req.amount == D("1250.00")
        with pytest.raises(ValidationError, match="不能修改"):  # locked while in approval
            services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("100.00"))])

        # the leadership returns it for revision: shares can change again, then resubmitted
        step = req.steps.get(status=ApprovalStep.Status.ACTIVE)
        approval_decide(request_id=req.pk, step_id=step.pk, actor=p.head, decision="return", comment="乙老师责任更大")
        services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("30.00")), (p.b, D("70.00"))])
        approval_resubmit(request_id=req.pk, actor=p.manager, reason="已按意见调整")
        step = ApprovalRequest.objects.get(pk=req.pk).steps.get(status=ApprovalStep.Status.ACTIVE)
        with pytest.raises(PermissionDenied):  # the manager cannot approve it
            approval_decide(request_id=req.pk, step_id=step.pk, actor=p.manager, decision="approve")
        approval_decide(request_id=req.pk, step_id=step.pk, actor=p.head, decision="approve")
        incident.refresh_from_db()
        assert incident.status == DamageIncident.Status.APPROVED

        share_a, share_b = incident.shares.order_by("position")
        assert (share_a.amount, share_b.amount) == (D("375.00"), D("875.00"))
        with pytest.raises(PermissionDenied):
            services.damage_payment_record(actor=p.a, share=share_a, paid_on=date(2026, 11, 2))
        services.damage_payment_record(actor=p.manager, share=share_a, paid_on=date(2026, 11, 2), note="收据 0012")
        incident.refresh_from_db()
        assert incident.status == DamageIncident.Status.APPROVED  # still waiting for 乙老师
        with pytest.raises(ValidationError, match="已登记缴款"):
            services.damage_payment_record(actor=p.manager, share=share_a, paid_on=date(2026, 11, 3))
        services.damage_payment_record(actor=p.manager, share=share_b, paid_on=date(2026, 11, 5))
        incident.refresh_from_db()
        assert incident.status == DamageIncident.Status.SETTLED
        assert AuditEvent.objects.filter(action="equipment.damage.payment", object_id=str(incident.pk)).count() == 2


def test_role_checks_and_who_sees_an_incident(alpha, people, client_for):
    p = people
    with schema_context(alpha.schema_name):
        for who in (p.a, p.bystander):
            with pytest.raises(PermissionDenied):
                services.damage_incident_create(actor=who, title="x", occurred_on=date(2026, 1, 1), kind="loss",
                                                cost=D("1.00"))
    incident = _incident(alpha, p.manager, cost="88.80")
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):
            services.damage_shares_set(actor=p.a, incident=incident, shares=[(p.a, D("100.00"))])
        services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("100.00"))])

    # the person charged sees their incident and amount; a bystander does not
    page = client_for(p.a).get(f"{BASE}/damage/{incident.pk}/").content.decode()
    assert "投影仪灯泡被撞碎" in page and "88.80" in page and "shares-form" not in page
    assert client_for(p.bystander).get(f"{BASE}/damage/{incident.pk}/").status_code == 404
    assert "投影仪灯泡被撞碎" not in client_for(p.bystander).get(f"{BASE}/damage/").content.decode()
    assert client_for(p.a).get(f"{BASE}/damage/new/").status_code == 403
    assert client_for(p.a).post(f"{BASE}/damage/{incident.pk}/shares/", {}).status_code == 403

    # the manager sets shares through the form; a bad sum shows the bilingual message and saves nothing
    manager = client_for(p.manager)
    r = manager.post(f"{BASE}/damage/{incident.pk}/shares/", {"person_0": p.a.pk, "share_0": "50.00",
                                                                "person_1": p.b.pk, "share_1": "49.99"}, follow=True)
    assert "合计必须正好是 100%" in r.content.decode()
    r = manager.post(f"{BASE}/damage/{incident.pk}/shares/", {"person_0": p.a.pk, "share_0": "33.33",
                                                                "person_1": p.b.pk, "share_1": "33.33",
                                                                "person_2": p.c.pk, "share_2": "33.34"}, follow=True)
    assert r.status_code == 200
    assert [a for _p, _s, a in _amounts(alpha, incident)] == [D("29.60"), D("29.60"), D("29.60")]


def test_the_edit_page_changes_the_cost_and_the_amounts_follow(alpha, people, client_for):
    p = people
    incident = _incident(alpha, p.manager, cost="100.00")
    with schema_context(alpha.schema_name):
        services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("50.00")), (p.b, D("50.00"))])
    form = {"title": "投影仪灯泡被撞碎", "occurred_on": "2026-10-15", "kind": "human_damage", "cost": "0.03",
            "description": "更换灯泡后核价"}
    assert client_for(p.a).post(f"{BASE}/damage/{incident.pk}/edit/", form).status_code == 403
    r = client_for(p.manager).post(f"{BASE}/damage/{incident.pk}/edit/", form)
    assert r.status_code == 302
    assert [a for _p, _s, a in _amounts(alpha, incident)] == [D("0.02"), D("0.01")]  # the odd fen: earlier line


def test_the_incident_shows_who_had_no_valid_training_for_the_device_that_day(alpha, people, client_for):
    from modules.equipment import services as equipment_services

    from .equipment_factories import answers_all_right, make_course, make_device, make_type

    p = people
    course = make_course(alpha, title="投影仪操作培训（赔偿测试）")
    projector = make_device(alpha, device_type=make_type(alpha, name="投影仪（赔偿测试）", course=course),
                            name="三楼投影仪")
    with schema_context(alpha.schema_name):
        equipment_services.exam_submit(actor=p.a, course=course, answers=answers_all_right(course, alpha))
        from django.utils import timezone

        incident = services.damage_incident_create(actor=p.manager, title="投影仪镜头摔裂",
                                                   occurred_on=timezone.localdate(), kind="human_damage",
                                                   cost=D("600.00"), device=projector)
        services.damage_shares_set(actor=p.manager, incident=incident, shares=[(p.a, D("20.00")), (p.b, D("80.00"))])
    page = client_for(p.manager).get(f"{BASE}/damage/{incident.pk}/").content.decode()
    rows = re.findall(r"<tr><td>(.*?)</td>", page)
    assert any("甲老师" in r and "当日持有该设备的有效培训认证" in r for r in rows)
    assert any("乙老师" in r and "当日未取得该设备的有效培训认证" in r for r in rows)
