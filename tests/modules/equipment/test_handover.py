"""Hand-over on leaving a post (离职换岗者需移交钥匙和密码): personnel's PERSON_LEAVING_POST event opens a
task listing everything the person holds (keys, devices, rooms); each item needs a new holder
who confirms receipt themselves; the task cannot be closed before every item is confirmed, and
confirming moves the custody or responsibility to the new holder."""
from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.equipment.custody import services
from modules.equipment.custody.handover import handover_items
from modules.equipment.custody.models import CustodyItem, CustodyMovement, HandoverTask
from modules.equipment.models import Device, Place
from zhengtong.audit.models import AuditEvent
from zhengtong.registry.handover import PERSON_LEAVING_POST, emit, handover_items_for

from .equipment_factories import MANAGER, USER, make_device, make_place, make_type

BASE = "/m/equipment/custody"


@pytest.fixture
def holdings(alpha, make_user):
    class S:
        manager = make_user(alpha, [MANAGER], name="信息中心李主任")
        leaver = make_user(alpha, [USER], name="调出的张老师")
        receiver = make_user(alpha, [USER], name="接手的王老师")
        other = make_user(alpha, [USER], name="另一位赵老师")
        teacher = make_user(alpha, [USER], name="普通教师")
        room = make_place(alpha, responsible=leaver, name="网络中心机房")
        lab = make_place(alpha, responsible=other, name="电子阅览室", deputies=[leaver])
        projector = make_device(alpha, device_type=make_type(alpha, name="投影仪（移交测试）"), name="教室投影仪",
                                custodian=leaver, place=room, serial="PJ-001")
    with schema_context(alpha.schema_name):
        S.key = services.custody_item_register(actor=S.manager, kind="key", name="机房门钥匙", place=S.room, count=2,
                                               holder=S.leaver)
        S.account = services.custody_item_register(actor=S.manager, kind="credential", name="核心交换机管理账号",
                                                   system="核心交换机", holder=S.leaver)
    return S


def _leave(unit, person, **extra):
    with schema_context(unit.schema_name):
        return emit(PERSON_LEAVING_POST, user_id=person.pk, person_id=501, person_name=person.name,
                    reason="调出本单位", effective_date=date(2026, 12, 1), **extra)


def _task(unit, person) -> HandoverTask:
    with schema_context(unit.schema_name):
        return HandoverTask.objects.get(person=person)


def test_personnel_transfer_event_opens_a_task_listing_keys_devices_and_rooms(alpha, holdings):
    s = holdings
    assert _leave(alpha, s.leaver) >= 1  # the equipment module handled it
    task = _task(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        assert task.source == HandoverTask.Source.EVENT and task.status == HandoverTask.Status.OPEN
        assert task.personnel_person_id == 501 and task.reason == "调出本单位"
        kinds = sorted((i.kind, i.ref) for i in task.items.all())
        assert kinds == sorted([("key", s.key.pk), ("key", s.account.pk), ("device", s.projector.pk),
                                ("place", s.room.pk), ("place_deputy", s.lab.pk)])
        labels = " ".join(task.items.values_list("label", flat=True))
        assert "机房门钥匙" in labels and "×2" in labels and "教室投影仪" in labels and "电子阅览室" in labels
        # the personnel checklist sees the same five items through the registry
        listed = handover_items_for(user_id=s.leaver.pk)
        assert {(i.module, i.kind) for i in listed} >= {("equipment", "key"), ("equipment", "device"),
                                                        ("equipment", "place"), ("equipment", "place_deputy")}
        assert len([i for i in listed if i.module == "equipment"]) == 5
        assert AuditEvent.objects.filter(action="equipment.handover.start", object_id=str(task.pk)).exists()
    # the information centre is told there is a hand-over to arrange; the teacher leaving is not
    with schema_context("public"):
        from zhengtong.notifications.models import Notification

        told = Notification.objects.filter(title__startswith="离岗移交待办理")
        assert set(told.values_list("recipient_id", flat=True)) == {s.manager.pk}
        assert f"/handovers/{task.pk}/" in told.get().url and "5 项" in told.get().title


def test_a_second_event_adds_to_the_open_task_and_someone_holding_nothing_gets_none(alpha, holdings, make_user):
    s = holdings
    _leave(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        extra = services.custody_item_register(actor=s.manager, kind="card", name="办公室门卡", holder=s.leaver)
    _leave(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        assert HandoverTask.objects.filter(person=s.leaver).count() == 1
        assert _task(alpha, s.leaver).items.filter(kind="key", ref=extra.pk).exists()
    _leave(alpha, s.teacher)  # holds nothing
    with schema_context(alpha.schema_name):
        assert not HandoverTask.objects.filter(person=s.teacher).exists()
        assert emit(PERSON_LEAVING_POST, user_id=None, person_id=9, person_name="无账号人员", reason="退休",
                    effective_date=date(2026, 12, 1)) >= 1  # handled, nothing to do


def test_closing_is_refused_until_every_item_is_confirmed_by_its_new_holder(alpha, holdings):
    s = holdings
    _leave(alpha, s.leaver)
    task = _task(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        items = {(i.kind, i.ref): i for i in task.items.all()}
        with pytest.raises(ValidationError) as refused:
            services.handover_close(actor=s.manager, task=task)
        message = " ".join(refused.value.messages)
        assert "5" in message and "尚未由接收人确认" in message
        assert "机房门钥匙" in message and "未指定接收人" in message

        for item in items.values():
            services.handover_assign(actor=s.manager, item=item, new_holder=s.receiver)
        # the manager cannot confirm on the receiver's behalf, nor can the person leaving
        for who in (s.manager, s.leaver):
            with pytest.raises(PermissionDenied, match="接收人本人"):
                services.handover_confirm(actor=who, item=items[("key", s.key.pk)])

        services.handover_confirm(actor=s.receiver, item=items[("key", s.key.pk)])
        services.handover_confirm(actor=s.receiver, item=items[("device", s.projector.pk)])
        with pytest.raises(ValidationError) as refused:
            services.handover_close(actor=s.manager, task=task)
        message = " ".join(refused.value.messages)
        assert "3" in message and "核心交换机管理账号" in message and "网络中心机房" in message
        assert "机房门钥匙" not in message  # confirmed items are no longer listed
        assert HandoverTask.objects.get(pk=task.pk).status == HandoverTask.Status.OPEN

        for key in (("key", s.account.pk), ("place", s.room.pk), ("place_deputy", s.lab.pk)):
            services.handover_confirm(actor=s.receiver, item=items[key])
        services.handover_close(actor=s.manager, task=task)
        task.refresh_from_db()
        assert task.status == HandoverTask.Status.CLOSED and task.closed_by == s.manager

        # custody and responsibility moved to the receiver
        key = CustodyItem.objects.get(pk=s.key.pk)
        assert key.holder == s.receiver and key.status == CustodyItem.Status.HELD
        assert CustodyMovement.objects.filter(item=key, action="handover", from_holder=s.leaver,
                                              to_holder=s.receiver).exists()
        assert Device.objects.get(pk=s.projector.pk).custodian == s.receiver
        assert Place.objects.get(pk=s.room.pk).responsible == s.receiver
        lab = Place.objects.get(pk=s.lab.pk)
        assert set(lab.deputies.all()) == {s.receiver}
        assert handover_items(user_id=s.leaver.pk) == []
        assert AuditEvent.objects.filter(action="equipment.handover.confirm").count() == 5
        assert AuditEvent.objects.filter(action="equipment.handover.close", object_id=str(task.pk)).exists()


def test_an_item_moved_elsewhere_meanwhile_is_set_aside_by_a_refresh(alpha, holdings):
    s = holdings
    _leave(alpha, s.leaver)
    task = _task(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        services.custody_return(actor=s.manager, item=s.key)  # the key came back to the store
        item = task.items.get(kind="key", ref=s.key.pk)
        services.handover_assign(actor=s.manager, item=item, new_holder=s.receiver)
        with pytest.raises(ValidationError, match="刷新"):
            services.handover_confirm(actor=s.receiver, item=item)
        services.handover_refresh(actor=s.manager, task=task)
        item.refresh_from_db()
        assert not item.is_open  # no longer blocks closing
        with pytest.raises(ValidationError) as refused:
            services.handover_close(actor=s.manager, task=task)
        assert "机房门钥匙" not in " ".join(refused.value.messages)


def test_only_managers_start_assign_and_close_and_the_new_holder_must_be_someone_else(alpha, holdings, make_user):
    s = holdings
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):
            services.handover_start(actor=s.teacher, person=s.leaver, reason="调岗")
        task = services.handover_start(actor=s.manager, person=s.leaver, reason="调岗")
        assert task.source == HandoverTask.Source.MANUAL and task.items.count() == 5
        item = task.items.first()
        with pytest.raises(PermissionDenied):
            services.handover_assign(actor=s.teacher, item=item, new_holder=s.receiver)
        with pytest.raises(ValidationError, match="移交人本人"):
            services.handover_assign(actor=s.manager, item=item, new_holder=s.leaver)
    beta_member = make_user(None, [], name="外单位人员")
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match="本单位"):
            services.handover_assign(actor=s.manager, item=item, new_holder=beta_member)
        with pytest.raises(PermissionDenied):
            services.handover_close(actor=s.teacher, task=task)


def test_the_receiver_confirms_on_the_page_and_the_close_button_explains_what_is_missing(alpha, holdings,
                                                                                          client_for):
    s = holdings
    _leave(alpha, s.leaver)
    task = _task(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        key_item = task.items.get(kind="key", ref=s.key.pk)
        services.handover_assign(actor=s.manager, item=key_item, new_holder=s.receiver)

    receiver = client_for(s.receiver)
    page = receiver.get(f"{BASE}/keys/").content.decode()
    assert "等待您确认" in page
    page = receiver.get(f"{BASE}/handovers/{task.pk}/").content.decode()
    assert "机房门钥匙" in page and f'name="item" value="{key_item.pk}"' in page
    r = receiver.post(f"{BASE}/handovers/{task.pk}/confirm/", {"item": key_item.pk})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        assert CustodyItem.objects.get(pk=s.key.pk).holder == s.receiver

    # someone else cannot confirm an item named to the receiver, nor see the task at all
    assert client_for(s.teacher).get(f"{BASE}/handovers/{task.pk}/").status_code == 404
    assert client_for(s.teacher).post(f"{BASE}/handovers/{task.pk}/confirm/",
                                      {"item": key_item.pk}).status_code == 404

    manager = client_for(s.manager)
    r = manager.post(f"{BASE}/handovers/{task.pk}/close/", follow=True)
    body = r.content.decode()
    assert "核心交换机管理账号" in body and "尚未由接收人确认" in body
    with schema_context(alpha.schema_name):
        assert HandoverTask.objects.get(pk=task.pk).status == HandoverTask.Status.OPEN
    # a plain teacher has no start page
    assert client_for(s.teacher).get(f"{BASE}/handovers/new/").status_code == 403


def test_daily_reminders_tell_each_new_holder_once_a_day_and_keepers_when_overdue(alpha, holdings):
    from zhengtong.notifications.models import Notification
    from zhengtong.registry.registry import get_module

    s = holdings
    assert "equipment.custody_handover_reminders" in [t.name for t in get_module("equipment").periodic_tasks]
    _leave(alpha, s.leaver)  # effective 2026-12-01
    task = _task(alpha, s.leaver)
    with schema_context(alpha.schema_name):
        for item in task.items.filter(kind="key"):
            services.handover_assign(actor=s.manager, item=item, new_holder=s.receiver)
        assert services.handover_reminders(today=date(2026, 11, 28)) == 1  # one message for both keys
        assert services.handover_reminders(today=date(2026, 11, 28)) == 0  # the job ran twice: nobody told twice
        assert services.handover_reminders(today=date(2026, 12, 2)) == 2  # next day + overdue to the manager
    with schema_context("public"):
        reminder = Notification.objects.filter(recipient=s.receiver, title__startswith="请确认接收").first()
        assert "机房门钥匙" in reminder.body and "核心交换机管理账号" in reminder.body
        overdue = Notification.objects.get(recipient=s.manager, title__startswith="离岗移交逾期未完成")
        assert "5 项未确认" in overdue.title
