"""In a real browser: a teacher leaves her post (personnel's event), the information centre
cannot close the hand-over while items are unconfirmed, names the new holder, the new holder
signs in and confirms each item, and only then the hand-over closes — the key, the projector
and the room are hers afterwards.

Runs against gunicorn on the test database, so everything the pages need is committed into a
scratch unit of its own, which is dropped afterwards."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page

MANAGER = "equipment.manager"
USER = "equipment.user"


def _scratch(slug):
    from modules.equipment.custody import services
    from tests.support.factories import DeviceFactory, DeviceTypeFactory, MemberFactory, PlaceFactory, UnitFactory
    from zhengtong.registry.handover import PERSON_LEAVING_POST, emit

    unit = UnitFactory(name="浏览器移交学校", slug=slug, module_keys=["equipment"])
    people = {}
    for key, name, role in (("manager", "信息中心 周", MANAGER), ("leaver", "调出 孙老师", USER),
                            ("receiver", "接手 钱老师", USER), ("admin", "模块管理员 吴", "equipment.module_admin")):
        people[key] = MemberFactory(unit=unit, roles=[role], email=f"{key}-{slug}@test.cn", name=name)
    room = PlaceFactory(unit=unit, actor=people["manager"], name="多功能教室", responsible=people["leaver"])
    kind = DeviceTypeFactory(unit=unit, actor=people["admin"], name=f"投影仪（移交测试 {slug}）")
    DeviceFactory(unit=unit, actor=people["manager"], device_type=kind, name="多功能教室投影仪", place=room,
                  custodian=people["leaver"])
    with schema_context(unit.schema_name):
        services.custody_item_register(actor=people["manager"], kind="key", name="多功能教室门钥匙", place=room,
                                       holder=people["leaver"])
        emit(PERSON_LEAVING_POST, user_id=people["leaver"].pk, person_id=1, person_name="调出 孙老师",
             reason="调往兄弟学校", effective_date=date(2026, 12, 1))
    connection.set_schema_to_public()
    return unit, people


@pytest.mark.browser
def test_a_hand_over_closes_only_after_the_new_holder_confirms_each_item(django_db_setup, django_db_blocker):
    from modules.equipment.custody.models import CustodyItem, HandoverTask
    from modules.equipment.models import Device, Place
    from tests.support.committed import drop_unit, drop_users

    slug = "yj" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        unit, p = _scratch(slug)
        try:
            with schema_context(unit.schema_name):
                task = HandoverTask.objects.get()
                item_ids = list(task.items.values_list("pk", flat=True))
            assert len(item_ids) == 3
            with live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                url = f"{base}/m/equipment/custody/handovers/{task.pk}/"
                manager = signed_in_page(browser, base, p["manager"])
                manager.goto(f"{base}/m/equipment/custody/handovers/")
                assert "调出 孙老师" in manager.locator("main").inner_text()
                manager.goto(url)
                with manager.expect_navigation():
                    manager.get_by_role("button", name="完成移交").click()
                text = manager.locator("body").inner_text()
                assert "以下 3 项尚未由接收人确认" in text and "多功能教室门钥匙" in text
                for pk in item_ids:
                    row = manager.locator(f"#item-{pk}")
                    row.locator("select[name=new_holder]").select_option(str(p["receiver"].pk))
                    with manager.expect_navigation():
                        row.get_by_role("button", name="指定接收人").click()

                receiver = signed_in_page(browser, base, p["receiver"])
                receiver.goto(f"{base}/m/equipment/custody/keys/")
                assert "等待您确认接收" in receiver.locator("main").inner_text()
                receiver.goto(url)
                for pk in item_ids[:2]:
                    with receiver.expect_navigation():
                        receiver.locator(f"#item-{pk}").get_by_role("button", name="我确认已接收").click()
                    assert "已确认接收" in receiver.locator("body").inner_text()

                manager.goto(url)
                with manager.expect_navigation():
                    manager.get_by_role("button", name="完成移交").click()
                assert "以下 1 项尚未由接收人确认" in manager.locator("body").inner_text()

                receiver.goto(url)
                with receiver.expect_navigation():
                    receiver.locator(f"#item-{item_ids[2]}").get_by_role("button", name="我确认已接收").click()
                manager.goto(url)
                with manager.expect_navigation():
                    manager.get_by_role("button", name="完成移交").click()
                assert "移交已完成" in manager.locator("body").inner_text()
                assert "已完成移交" in manager.locator(".task-status").inner_text()

            with schema_context(unit.schema_name):
                assert HandoverTask.objects.get().status == "closed"
                assert CustodyItem.objects.get().holder_id == p["receiver"].pk
                assert Device.objects.get().custodian_id == p["receiver"].pk
                assert Place.objects.get().responsible_id == p["receiver"].pk
        finally:
            drop_unit(unit)
            drop_users(list(p.values()))
            connection.set_schema_to_public()
