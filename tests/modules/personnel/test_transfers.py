"""Transfers (调配): approval chain per kind, effect on the effective date (periodic job), the
establishment check and its override, reversal through a reversing entry, the hand-over
checklist (assets in custody block completion), secondments with reminders and return."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.personnel import services
from modules.personnel.models import HandoverItem, Person, PositionHistory, Transfer
from modules.personnel.selectors import establishment_figures, post_vacancy
from tests.support.factories.personnel import id_number
from tests.support.personnel import D0, Org, transfer_approved, transfer_requested
from zhengtong.approvals.models import ApprovalRequest, ApprovalStep
from zhengtong.approvals.services import approval_decide
from zhengtong.audit.models import AuditEvent
from zhengtong.notifications.models import Notification
from zhengtong.registry import handover as registry_handover


def _timeline(org, person):
    with schema_context(org.unit.schema_name):
        return list(PositionHistory.objects.filter(person=person).order_by("start_date", "pk").values_list(
            "kind", "start_date", "end_date", "department_name", "post_title", "rank", "status"))


def test_a_move_takes_effect_on_its_date_through_the_job_not_on_approval(org):
    person = org.person("张三", entry=date(2020, 1, 1))
    transfer = transfer_requested(org, person, after_post=org.accountant)
    assert transfer.status == Transfer.Status.IN_APPROVAL
    with schema_context(org.unit.schema_name), pytest.raises(ValidationError):  # not approved yet
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
    transfer_approved(org, transfer)
    assert transfer.status == Transfer.Status.APPROVED
    with schema_context(org.unit.schema_name):
        assert services.transfer_apply_due(today=D0 - timedelta(days=1)) == {"applied": 0, "blocked": 0}
        assert Person.objects.get(pk=person.pk).post_id == org.clerk.pk  # the day before: unchanged
        assert services.transfer_apply_due(today=D0) == {"applied": 1, "blocked": 0}
        assert services.transfer_apply_due(today=D0 + timedelta(days=3)) == {"applied": 0, "blocked": 0}
        p = Person.objects.get(pk=person.pk)
        assert (p.department_id, p.post_id, p.status) == (org.finance.pk, org.accountant.pk, "in_post")
        assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.APPLIED
    assert _timeline(org, person) == [
        ("entry", date(2020, 1, 1), D0 - timedelta(days=1), "办公室", "文秘", "一级科员", "in_post"),
        ("change", D0, None, "财务科", "会计", "一级科员", "in_post"),
    ]


def test_a_rejected_move_never_takes_effect(org):
    person = org.person("李四")
    transfer = transfer_requested(org, person, after_post=org.accountant)
    with schema_context(org.unit.schema_name):
        req = ApprovalRequest.objects.get(subject_type="personnel.Transfer", subject_id=transfer.pk)
        step = req.steps.get(status=ApprovalStep.Status.ACTIVE)
        approval_decide(request_id=req.pk, step_id=step.pk, actor=org.hr2, decision="reject", comment="不同意")
        assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REJECTED
        assert services.transfer_apply_due(today=D0 + timedelta(days=30))["applied"] == 0
        assert Person.objects.get(pk=person.pk).post_id == org.clerk.pk


def test_no_vacancy_is_refused_unless_the_leader_overrides_with_a_reason(org):
    org.person("会计甲", post=org.accountant)  # the only place of 会计 is taken
    person = org.person("李四")
    with schema_context(org.unit.schema_name):
        assert post_vacancy(org.accountant) == 0
    with pytest.raises(ValidationError, match="空编"):
        transfer_requested(org, person, after_post=org.accountant)
    with pytest.raises(ValidationError, match="空编"):  # HR may not override, even with a reason
        transfer_requested(org, person, after_post=org.accountant, establishment_override_reason="急需")
    with pytest.raises(ValidationError, match="空编"):  # the leader too needs the written reason
        with schema_context(org.unit.schema_name):
            services.transfer_request(actor=org.leader, person=person, kind="internal", effective_date=D0,
                                      reason="审计整改急需", after_post=org.accountant)
    with schema_context(org.unit.schema_name):
        transfer = services.transfer_request(actor=org.leader, person=person, kind="internal", effective_date=D0,
                                             reason="审计整改急需", after_post=org.accountant,
                                             establishment_override_reason="区编办同意临时超编（区编〔2026〕3号）")
        assert transfer.status == Transfer.Status.IN_APPROVAL
        assert transfer.establishment_override_by_id == org.leader.pk
        event = AuditEvent.objects.get(action="personnel.establishment_override", object_id=str(transfer.pk))
        assert "区编〔2026〕3号" in event.detail and event.actor_id == org.leader.pk


def test_the_last_place_is_reserved_by_the_first_approved_move(org):
    a, b = org.person("甲"), org.person("乙")
    transfer_approved(org, transfer_requested(org, a, after_post=org.accountant))
    with schema_context(org.unit.schema_name):
        figures = {f.post.pk: f for f in establishment_figures()}
        assert (figures[org.accountant.pk].occupied, figures[org.accountant.pk].reserved,
                figures[org.accountant.pk].vacancy) == (0, 1, 0)
    with pytest.raises(ValidationError, match="空编"):
        transfer_requested(org, b, after_post=org.accountant)


def test_reversal_restores_the_previous_state_and_history_keeps_both(org):
    person = org.person("王五", entry=date(2020, 1, 1))
    transfer = transfer_approved(org, transfer_requested(org, person, kind="promotion", after_rank="四级主任科员"))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
        assert Person.objects.get(pk=person.pk).rank == "四级主任科员"
        with pytest.raises(PermissionDenied):
            services.transfer_reverse(actor=org.head, transfer=transfer, reason="x")
        with pytest.raises(ValidationError):
            services.transfer_reverse(actor=org.hr, transfer=transfer, reason="  ")
        services.transfer_reverse(actor=org.hr, transfer=transfer, reason="任职资格复核不符", on=date(2026, 4, 10))
        p = Person.objects.get(pk=person.pk)
        assert p.rank == "一级科员"
        assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REVERSED
        with pytest.raises(ValidationError):  # reversed once
            services.transfer_reverse(actor=org.hr, transfer=transfer, reason="again")
        reversal = PositionHistory.objects.get(person=person, kind="reversal")
        assert reversal.reverses.transfer_id == transfer.pk
    assert _timeline(org, person) == [
        ("entry", date(2020, 1, 1), date(2026, 2, 28), "办公室", "文秘", "一级科员", "in_post"),
        ("change", D0, date(2026, 4, 9), "办公室", "文秘", "四级主任科员", "in_post"),
        ("reversal", date(2026, 4, 10), None, "办公室", "文秘", "一级科员", "in_post"),
    ]


def test_a_move_reversed_on_its_first_day_keeps_an_empty_entry(org):
    person = org.person("钱七", entry=date(2020, 1, 1))
    transfer = transfer_approved(org, transfer_requested(org, person, after_post=org.accountant))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
        services.transfer_reverse(actor=org.hr, transfer=transfer, reason="录入错误", on=D0)
        p = Person.objects.get(pk=person.pk)
        assert (p.department_id, p.post_id) == (org.office.pk, org.clerk.pk)
    timeline = _timeline(org, person)
    assert timeline[1][:3] == ("change", D0, D0 - timedelta(days=1))  # lasted no day, still there
    assert timeline[2][:3] == ("reversal", D0, None)


def test_effective_date_before_the_current_position_is_refused(org):
    person = org.person("孙八", entry=date(2026, 5, 1))
    with pytest.raises(ValidationError, match="生效日期"):
        transfer_requested(org, person, after_post=org.accountant, effective_date=date(2026, 4, 1))


def test_an_asset_in_custody_blocks_completion_until_handed_over_or_overridden(org, make_user, make_asset):
    user = make_user(org.unit, [])
    person = org.person("赵六", user=user)
    asset = make_asset(org.unit, name="笔记本电脑", custodian=user)
    transfer = transfer_approved(org, transfer_requested(org, person, kind="transfer_out", other_unit="乙单位"))
    with schema_context(org.unit.schema_name):
        items = list(HandoverItem.objects.filter(transfer=transfer).values_list("module", "label", "mandatory",
                                                                                "done"))
        assert any(m == "assets" and "笔记本电脑" in label and mandatory and not done
                   for m, label, mandatory, done in items)
        services.handover_item_add(actor=org.hr, transfer=transfer, label="办公室钥匙")
        assert services.transfer_apply_due(today=D0) == {"applied": 0, "blocked": 1}
        assert Person.objects.get(pk=person.pk).status == "in_post"
        assert Notification.objects.filter(recipient=org.hr, body__contains="笔记本电脑").exists()
        # HR cannot override; the leader can, with a reason
        with pytest.raises(PermissionDenied):
            services.transfer_handover_override(actor=org.hr, transfer=transfer, reason="急")
        # Tick the key off by hand, hand the computer over in the assets module
        key = HandoverItem.objects.get(transfer=transfer, label="办公室钥匙")
        services.handover_item_done(actor=org.hr, item=key)
        with pytest.raises(ValidationError):  # the asset is handed over in its module, not ticked here
            services.handover_item_done(actor=org.hr, item=HandoverItem.objects.get(transfer=transfer,
                                                                                   module="assets"))
        from modules.assets.models import Asset

        Asset.objects.filter(pk=asset.pk).update(custodian=org.hr)
        assert services.transfer_apply_due(today=D0) == {"applied": 1, "blocked": 0}
        p = Person.objects.get(pk=person.pk)
        assert p.status == "left_transferred"
        assert HandoverItem.objects.get(transfer=transfer, module="assets").done


def test_the_leader_completes_with_open_items_and_a_reason(org, make_user, make_asset):
    user = make_user(org.unit, [])
    person = org.person("周九", user=user)
    make_asset(org.unit, name="照相机", custodian=user)
    transfer = transfer_approved(org, transfer_requested(org, person, kind="retirement"))
    with schema_context(org.unit.schema_name):
        with pytest.raises(ValidationError, match="交接"):
            services.transfer_apply(transfer_id=transfer.pk, today=D0)
        services.transfer_handover_override(actor=org.leader, transfer=transfer, reason="本人住院，由科室代为移交")
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
        assert Person.objects.get(pk=person.pk).status == "retired"
        assert AuditEvent.objects.filter(action="personnel.handover_override", actor_id=org.leader.pk,
                                         detail__contains="住院").exists()


def test_leaving_a_post_is_announced_to_other_modules(org, make_user, monkeypatch):
    seen = []
    monkeypatch.setattr(registry_handover, "emit", lambda event, **payload: seen.append((event, payload)) or 1)
    user = make_user(org.unit, [])
    person = org.person("吴十", user=user)
    transfer = transfer_approved(org, transfer_requested(org, person, after_post=org.accountant))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
    assert len(seen) == 1
    event, payload = seen[0]
    assert event == registry_handover.PERSON_LEAVING_POST
    assert {k: payload[k] for k in ("user_id", "person_id", "person_name", "effective_date")} == {
        "user_id": user.pk, "person_id": person.pk, "person_name": "吴十", "effective_date": D0}
    assert str(payload["reason"])


def test_in_unit_secondment_shows_in_the_receiving_department_and_returns_with_reminders(org, make_user):
    user = make_user(org.unit, [])
    person = org.person("郑一", user=user)
    start, end = date(2026, 3, 1), date(2026, 5, 31)
    transfer_approved(org, transfer_requested(org, person, kind="secondment", after_department=org.finance,
                                              effective_date=start, end_date=end))
    finance_head = org.head  # make the office head also head of finance, to look from there
    with schema_context(org.unit.schema_name):
        services.transfer_apply_due(today=start)
        p = Person.objects.get(pk=person.pk)
        assert (p.status, p.seconded_to_department_id, p.post_id) == ("seconded_out", org.finance.pk, org.clerk.pk)
        # still holds the place of 文秘 in the establishment
        assert post_vacancy(org.clerk) == 1
        services.department_update(actor=org.hr, department=org.finance, head=make_user(org.unit, []), set_head=True)
        from modules.personnel.selectors import people_visible

        fin_head = type(org.finance).objects.get(pk=org.finance.pk).head
        assert person.pk in set(people_visible(fin_head).values_list("pk", flat=True))
        assert services.secondments_check(today=date(2026, 5, 1))["reminded"] == 1  # 30 days before
        assert services.secondments_check(today=date(2026, 5, 2))["reminded"] == 0  # once
        assert services.secondments_check(today=date(2026, 5, 25))["reminded"] == 1  # 7 days before
        assert Notification.objects.filter(recipient=user, dedupe_key__startswith="personnel.secondment").count() == 2
        assert services.secondments_check(today=end)["returned"] == 0  # last day still seconded
        assert services.secondments_check(today=end + timedelta(days=1))["returned"] == 1
        p = Person.objects.get(pk=person.pk)
        assert (p.status, p.seconded_to_department_id) == ("in_post", None)
    assert finance_head
    kinds = [(k, s, e, st) for k, s, e, _d, _p, _r, st in _timeline(org, person)]
    assert kinds[-2:] == [("change", start, end, "seconded_out"), ("return", end + timedelta(days=1), None, "in_post")]


def test_cross_unit_move_send_and_receive_with_history(org, beta, make_user):
    person = org.person("冯二", entry=date(2018, 7, 1))
    beta_org = Org(beta, make_user)
    with schema_context(org.unit.schema_name):
        sent = services.person_transfer_out_complete(person_id=person.pk, to_unit_name="乙单位",
                                                     effective_date=D0, actor=org.hr, exchange_ref="X1")
        assert sent.status == "left_transferred"
        history = services.person_history_export(sent)
        number = services.person_reveal_id_number(actor=org.hr, person=sent)
        # a retried step changes nothing
        services.person_transfer_out_complete(person_id=person.pk, to_unit_name="乙单位", effective_date=D0)
        assert Transfer.objects.filter(person=person, kind="transfer_out").count() == 1
    with schema_context(beta.schema_name):
        received = services.person_receive(
            actor=beta_org.hr, uid=sent.uid, name=sent.name, gender=sent.gender, id_number=number,
            birth_date=sent.birth_date, entry_date=D0, employment_type=sent.employment_type, effective_date=D0,
            from_unit_name="甲单位", post=beta_org.accountant, history=history, exchange_ref="X1")
        assert received.status == "in_post" and received.uid == sent.uid
        again = services.person_receive(
            actor=beta_org.hr, uid=sent.uid, name=sent.name, gender=sent.gender, id_number=number,
            birth_date=sent.birth_date, entry_date=D0, employment_type=sent.employment_type, effective_date=D0,
            from_unit_name="甲单位", post=beta_org.accountant, history=history, exchange_ref="X1")
        assert again.pk == received.pk
    timeline = _timeline(beta_org, received)
    assert [t[0] for t in timeline] == ["carried", "change"]
    assert timeline[0][1:4] == (date(2018, 7, 1), D0 - timedelta(days=1), "办公室")
    with schema_context(beta.schema_name):
        units = list(PositionHistory.objects.filter(person=received).order_by("start_date", "pk")
                     .values_list("unit_name", flat=True))
    assert units == ["甲单位", "乙单位"]  # the earlier career reads with its unit's name
    assert timeline[-1][1:5] == (D0, None, "财务科", "会计")


def test_a_person_seconded_in_from_another_unit_is_listed_read_only(org, make_user, client_for):
    import uuid

    with schema_context(org.unit.schema_name):
        guest = services.person_secondment_in_record(
            actor=org.hr, uid=uuid.uuid4(), name="借入人员", gender="female", id_number=id_number(date(1992, 2, 2)),
            birth_date=None, employment_type="institution", from_unit_name="乙单位", start_date=D0,
            end_date=date(2026, 8, 31), department=org.finance)
        assert guest.status == "seconded_in" and guest.external
        with pytest.raises(ValidationError, match="只读"):
            services.person_update(actor=org.hr, person=guest, name="改名")
        with pytest.raises(ValidationError, match="只读"):
            services.transfer_request(actor=org.hr, person=guest, kind="internal", effective_date=D0,
                                      reason="x", after_department=org.office)
    client = client_for(org.hr)
    page = client.get("/m/personnel/").content.decode()
    assert "借入人员" in page and "乙单位" in page
    assert client.get(f"/m/personnel/people/{guest.pk}/edit/").status_code == 403
    detail = client.get(f"/m/personnel/people/{guest.pk}/").content.decode()
    assert "/reveal/" not in detail and f"/people/{guest.pk}/transfers/new/" not in detail
    with schema_context(org.unit.schema_name):
        services.secondments_check(today=date(2026, 9, 1))
        guest.refresh_from_db()
        assert guest.status == "left"
    assert "借入人员" not in client.get("/m/personnel/").content.decode()
