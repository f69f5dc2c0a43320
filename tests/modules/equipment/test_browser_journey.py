"""In a real browser: a teacher is refused a projector without training (the message names the
training), passes the training exam, checks the projector out, reports a fault; a technician
repairs it and the ticket ends fixed.

Runs against gunicorn on the test database, so everything the pages need is committed into a
scratch unit of its own, which is dropped afterwards."""
from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page

COURSE = "多媒体设备操作培训（浏览器）"


def _scratch(slug):
    from modules.equipment.models import ExamQuestion, TrainingCourse
    from tests.support.factories import DeviceFactory, DeviceTypeFactory, MemberFactory, UnitFactory

    unit = UnitFactory(name="浏览器实验学校", slug=slug, unit_type="school", module_keys=["equipment"])
    people = {}
    for key, name, role in (("teacher", "王老师", "equipment.user"), ("tech", "张技术员", "equipment.technician"),
                            ("manager", "信息中心 周", "equipment.manager"),
                            ("admin", "模块管理员 吴", "equipment.module_admin")):
        people[key] = MemberFactory(unit=unit, roles=[role], email=f"{key}-{slug}@test.cn", name=name)
    with schema_context(unit.schema_name):
        course = TrainingCourse.objects.create(title=COURSE, pass_mark=80, validity_days=365,
                                               material="使用前检查设备，异常立即停止使用并报修。")
        for i, text in enumerate(("投影仪出现异常怎么办？", "离开教室时应当？")):
            ExamQuestion.objects.create(course=course, position=i, text=text,
                                        options=["继续使用", "停止使用并报修/断电关门"], correct_option=1)
    dtype = DeviceTypeFactory(unit=unit, actor=people["admin"], name="投影仪（浏览器）", category="projector",
                              required_course=course, usage_rules="未经培训不得使用。", logbook_required=True)
    device = DeviceFactory(unit=unit, actor=people["manager"], device_type=dtype, name="三年二班投影仪",
                           serial="PJ-2024-001")
    connection.set_schema_to_public()
    return unit, people, device


def _submit(page, form_selector):
    with page.expect_navigation():
        page.locator(form_selector).locator("button").last.click()


@pytest.mark.browser
def test_projector_refused_without_training_then_checked_out_reported_and_repaired(django_db_setup,
                                                                                     django_db_blocker):
    from modules.equipment.models import Device, LogbookEntry, RepairTicket
    from tests.support.committed import drop_unit, drop_users

    slug = "eq" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        unit, p, device = _scratch(slug)
        try:
            with live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                device_url = f"{base}/m/equipment/devices/{device.pk}/"
                teacher = signed_in_page(browser, base, p["teacher"])
                teacher.goto(device_url)
                # The refusal is announced before trying, and again when trying.
                assert COURSE in teacher.locator(".use-refusal").inner_text()
                teacher.fill("form.checkout [name=purpose]", "公开课")
                teacher.check("form.checkout [name=acknowledge_rules]")
                _submit(teacher, "form.checkout")
                assert COURSE in teacher.locator(".messages").inner_text()
                assert "王老师" not in teacher.locator(".device-status").inner_text()  # not checked out

                # The training: read, answer, pass.
                teacher.locator(".rules a", has_text=COURSE).click()
                teacher.wait_for_url("**/m/equipment/training/*/")
                for name in teacher.locator("form.exam-form input[type=radio][value='1']").all():
                    name.check()
                _submit(teacher, "form.exam-form")
                assert teacher.locator(".banner.certified").count() == 1

                teacher.goto(device_url)
                assert teacher.locator(".use-refusal").count() == 0
                teacher.fill("form.checkout [name=purpose]", "公开课")
                teacher.check("form.checkout [name=acknowledge_rules]")
                _submit(teacher, "form.checkout")
                assert "王老师" in teacher.locator(".device-status").inner_text()

                # A fault while using it.
                teacher.fill("form.fault [name=symptom]", "投影画面闪烁，有焦糊味")
                _submit(teacher, "form.fault")
                ticket_url = teacher.url
                assert "投影画面闪烁" in teacher.locator("main").inner_text()
                assert teacher.locator("form.ticket-form").count() == 0  # the teacher cannot move it

                # The technician repairs it.
                tech = signed_in_page(browser, base, p["tech"])
                tech.goto(ticket_url)
                tech.select_option("form.ticket-form [name=status]", "in_repair")
                _submit(tech, "form.ticket-form")
                tech.select_option("form.ticket-form [name=status]", "fixed")
                tech.fill("form.ticket-form [name=cost]", "260.00")
                tech.fill("form.ticket-form [name=resolution]", "更换灯泡和电源板")
                _submit(tech, "form.ticket-form")
                assert tech.locator("form.ticket-form").count() == 0  # closed: nothing left to do
                assert "260.00" in tech.locator("main").inner_text()

            with schema_context(unit.schema_name):
                ticket = RepairTicket.objects.get()
                assert ticket.status == "fixed" and ticket.technician_id == p["tech"].pk
                assert str(ticket.cost) == "260.00" and ticket.reported_by_id == p["teacher"].pk
                entry = LogbookEntry.objects.get()
                assert entry.user_id == p["teacher"].pk and entry.purpose == "公开课"
                # Handing it in for repair ended the check-out; repaired, it is available again.
                assert entry.ended_at is not None and str(ticket.pk) in entry.condition_note
                assert Device.objects.get().status == "available"
        finally:
            drop_unit(unit)
            drop_users(list(p.values()))
            connection.set_schema_to_public()
