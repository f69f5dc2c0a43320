"""Care of devices: repair tickets moved only by technicians, repeat faults flagged, preventive
maintenance and inspections generated from each type's interval (idempotently), inspections
closing the task and recording antivirus dates, overdue work warned once."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.equipment import services
from modules.equipment.models import Device, MaintenanceTask, RepairTicket
from tests.support.documents import pdf_text
from zhengtong.core.errors import Invalid

from .equipment_factories import MANAGER, TECHNICIAN, USER, make_device, make_type


@pytest.fixture
def people(alpha, make_user):
    class P:
        teacher = make_user(alpha, [USER], name="王老师")
        manager = make_user(alpha, [MANAGER], name="李主任")
        tech = make_user(alpha, [TECHNICIAN], name="张技术员")

    return P


def test_only_technicians_change_repair_status(alpha, people):
    pc_type = make_type(alpha, name="测试计算机")
    pc = make_device(alpha, device_type=pc_type, name="办公室电脑")
    with schema_context(alpha.schema_name):
        ticket = services.fault_report(actor=people.teacher, device=pc, symptom="无法开机")
        for someone in (people.teacher, people.manager):
            with pytest.raises(PermissionDenied):
                services.ticket_transition(actor=someone, ticket=ticket, status="fixed")
        assert RepairTicket.objects.get(pk=ticket.pk).status == "reported"

        services.ticket_transition(actor=people.tech, ticket=ticket, status="in_repair")
        assert Device.objects.get(pk=pc.pk).status == Device.Status.IN_REPAIR
        services.ticket_transition(actor=people.tech, ticket=ticket, status="waiting_parts")
        services.ticket_transition(actor=people.tech, ticket=ticket, status="fixed", cost=Decimal("120.5"),
                                   resolution="更换电源")
        ticket.refresh_from_db()
        assert ticket.status == "fixed" and ticket.cost == Decimal("120.50") and ticket.technician == people.tech
        assert ticket.closed_at is not None and ticket.downtime >= timedelta(0)
        # Back to what it was before the repair.
        assert Device.objects.get(pk=pc.pk).status == Device.Status.AVAILABLE
        # A closed ticket stays closed.
        with pytest.raises(Invalid):
            services.ticket_transition(actor=people.tech, ticket=ticket, status="in_repair")


def test_scrapping_takes_the_device_out_of_use(alpha, people):
    pc = make_device(alpha, device_type=make_type(alpha), status="in_use")
    with schema_context(alpha.schema_name):
        ticket = services.fault_report(actor=people.teacher, device=pc, symptom="主板烧毁")
        services.ticket_transition(actor=people.tech, ticket=ticket, status="scrapped")
        assert Device.objects.get(pk=pc.pk).status == Device.Status.SCRAPPED
        assert services.use_refusal(user=people.teacher, device=Device.objects.get(pk=pc.pk))


def test_repeat_faults_are_flagged_by_the_units_rule(alpha, people):
    from zhengtong.notifications.models import Notification

    pc = make_device(alpha, device_type=make_type(alpha), name="老是坏的电脑")
    with schema_context(alpha.schema_name):
        first = services.fault_report(actor=people.teacher, device=pc, symptom="蓝屏")
        second = services.fault_report(actor=people.teacher, device=pc, symptom="又蓝屏")
        assert not first.repeat_fault and not second.repeat_fault
        # An old fault outside the period does not count.
        RepairTicket.objects.filter(pk=first.pk).update(reported_at=timezone.now() - timedelta(days=91))
        third = services.fault_report(actor=people.teacher, device=pc, symptom="还是蓝屏")
        assert not third.repeat_fault
        fourth = services.fault_report(actor=people.teacher, device=pc, symptom="第四次蓝屏")
        assert fourth.repeat_fault  # three within 90 days (the default rule)
    assert Notification.objects.filter(recipient=people.manager, title__contains="老是坏的电脑").exists()


def test_maintenance_schedule_generated_from_intervals_without_duplicates(alpha, people):
    today = timezone.localdate()
    projector_type = make_type(alpha, maintenance_interval_days=180, inspection_interval_days=30,
                               checklist=["除尘", "电源"])
    no_interval = make_type(alpha)
    projector = make_device(alpha, device_type=projector_type)
    make_device(alpha, device_type=no_interval)
    scrapped = make_device(alpha, device_type=projector_type, status="scrapped")
    with schema_context(alpha.schema_name):
        created = services.maintenance_schedule(today=today)
        tasks = MaintenanceTask.objects.filter(device__device_type__in=[projector_type, no_interval])
        assert {(t.device_id, t.kind) for t in tasks} == {(projector.pk, "maintenance"), (projector.pk, "inspection")}
        assert created >= 2
        # First tasks fall due after the rule's lead time (7 days by default).
        assert {t.due_on for t in tasks} == {today + timedelta(days=7)}
        assert not MaintenanceTask.objects.filter(device=scrapped).exists()
        # Idempotent: running again (the daily job) adds nothing.
        before = MaintenanceTask.objects.count()
        assert services.maintenance_schedule(today=today) == 0
        assert services.maintenance_schedule(today=today + timedelta(days=1)) == 0
        assert MaintenanceTask.objects.count() == before

        # Doing the inspection closes it and schedules the next one an interval later.
        done_on = today - timedelta(days=2)
        services.inspection_record(actor=people.tech, device=projector, kind="inspection", inspected_on=done_on,
                                   results=[{"item": "除尘", "ok": True}, {"item": "电源", "ok": True}])
        open_inspection = MaintenanceTask.objects.get(device=projector, kind="inspection", status="open")
        assert open_inspection.due_on == done_on + timedelta(days=30)
        assert MaintenanceTask.objects.filter(device=projector, kind="maintenance", status="open").count() == 1


def test_the_periodic_job_runs_in_the_units_schema(alpha, people):
    from modules.equipment.tasks import maintenance_schedule

    device = make_device(alpha, device_type=make_type(alpha, inspection_interval_days=14))
    with schema_context(alpha.schema_name):
        maintenance_schedule()
        maintenance_schedule()
        assert MaintenanceTask.objects.filter(device=device, status="open").count() == 1
    assert maintenance_schedule() == 0  # public schema: no devices there


def test_inspection_needs_every_checklist_item_and_records_antivirus(alpha, people):
    pc_type = make_type(alpha, inspection_interval_days=30, tracks_antivirus=True,
                        checklist=["除尘清洁", "杀毒软件已更新并完成扫描"])
    pc = make_device(alpha, device_type=pc_type, name="备课室电脑")
    today = timezone.localdate()
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):
            services.inspection_record(actor=people.teacher, device=pc, kind="inspection",
                                       results=[{"item": "除尘清洁", "ok": True}])
        with pytest.raises(Invalid) as missing:
            services.inspection_record(actor=people.tech, device=pc, kind="inspection",
                                       results=[{"item": "除尘清洁", "ok": True}])
        assert "杀毒软件已更新并完成扫描" in missing.value.message
        services.inspection_record(actor=people.tech, device=pc, kind="inspection",
                                   results=[{"item": "除尘清洁", "ok": True},
                                            {"item": "杀毒软件已更新并完成扫描", "ok": False, "note": "病毒库过期"}],
                                   antivirus_scanned_on=today, patched_on=today - timedelta(days=3))
        pc.refresh_from_db()
        assert pc.antivirus_scanned_on == today and pc.patched_on == today - timedelta(days=3)
        # A failed item opens a repair ticket saying what was found.
        assert "病毒库过期" in RepairTicket.objects.get(device=pc).symptom


def test_overdue_work_is_warned_once(alpha, people):
    from zhengtong.notifications.models import Notification

    device = make_device(alpha, device_type=make_type(alpha, inspection_interval_days=30), name="逾期投影仪")
    today = timezone.localdate()
    with schema_context(alpha.schema_name):
        MaintenanceTask.objects.create(device=device, kind="inspection", due_on=today - timedelta(days=3))
        services.overdue_warn(today=today)
        services.overdue_warn(today=today + timedelta(days=1))
    warnings = Notification.objects.filter(recipient=people.tech, kind="deadline_overdue")
    assert warnings.count() == 1 and "逾期投影仪" in warnings.get().body


def test_a_checked_out_device_handed_in_for_repair_ends_the_checkout(alpha, people):
    from modules.equipment.models import LogbookEntry

    device = make_device(alpha, device_type=make_type(alpha), name="借出的投影仪")
    with schema_context(alpha.schema_name):
        entry = services.device_checkout(actor=people.teacher, device=device)
        ticket = services.fault_report(actor=people.teacher, device=device, symptom="画面闪烁")
        services.ticket_transition(actor=people.tech, ticket=ticket, status="in_repair")
        entry = LogbookEntry.objects.get(pk=entry.pk)
        assert entry.ended_at is not None and entry.condition == "problem"
        services.ticket_transition(actor=people.tech, ticket=ticket, status="fixed")
        assert Device.objects.get(pk=device.pk).status == Device.Status.AVAILABLE
        # Someone else can borrow it now.
        assert services.device_checkout(actor=people.manager, device=device)


def test_repair_report_totals_cost_and_downtime_of_what_the_reader_may_see(alpha, people):
    from modules.equipment.reports.repairs import RepairParameters, build

    pc = make_device(alpha, device_type=make_type(alpha), name="报表电脑")
    with schema_context(alpha.schema_name):
        t1 = services.fault_report(actor=people.teacher, device=pc, symptom="键盘失灵")
        services.ticket_transition(actor=people.tech, ticket=t1, status="fixed", cost=Decimal("45.00"))
        t2 = services.fault_report(actor=people.manager, device=pc, symptom="显示器闪烁")
        t2 = services.ticket_transition(actor=people.tech, ticket=t2, status="fixed", cost=Decimal("300.50"))
        RepairTicket.objects.filter(pk=t2.pk).update(reported_at=t2.closed_at - timedelta(hours=5))
        form = RepairParameters({"date_from": str(timezone.localdate() - timedelta(days=1))})
        assert form.is_valid()
        report = build(user=people.tech, params=form.cleaned_data)
        rows = list(report.rows)
        assert [r[3] for r in rows] == ["显示器闪烁", "键盘失灵"]
        totals = report.resolved_totals()
        assert totals[1] == "2" and totals[7] == "345.50"
        assert Decimal(totals[8]) >= Decimal("5.0")
        # The teacher sees only the ticket they reported.
        mine = list(build(user=people.teacher, params={}).rows)
        assert [r[3] for r in mine] == ["键盘失灵"]


def test_repair_report_prints_in_chinese(alpha, people, tmp_path):
    import re

    from django.utils import translation

    from modules.equipment.reports.repairs import build
    from zhengtong.reports.pipeline import DocumentHeader, render_table_report

    pc = make_device(alpha, device_type=make_type(alpha), name="打印测试电脑")
    with schema_context(alpha.schema_name), translation.override("zh-hans"):
        ticket = services.fault_report(actor=people.teacher, device=pc, symptom="电源指示灯不亮")
        services.ticket_transition(actor=people.tech, ticket=ticket, status="fixed", cost=Decimal("88.00"))
        report = build(user=people.tech, params={})
        header = DocumentHeader(unit_name="甲单位", title=report.title, number="ALPHA-2026-000001",
                                generated_at="2026-11-27 10:00", prepared_by="张技术员")
        result = render_table_report(report, header=header, target=tmp_path / "repairs.pdf")
    text = re.sub(r"\s+", "", pdf_text(result.path))
    assert "设备维修统计" in text and "电源指示灯不亮" in text and "维修费用合计（元）" in text and "88.00" in text


def test_assigning_a_ticket_tells_the_technician_and_fixing_tells_the_reporter(alpha, people, make_user):
    from zhengtong.notifications.models import Notification

    second_tech = make_user(alpha, [TECHNICIAN], name="李技术员")
    pc = make_device(alpha, device_type=make_type(alpha), name="分配测试电脑")
    with schema_context(alpha.schema_name):
        ticket = services.fault_report(actor=people.teacher, device=pc, symptom="风扇噪音大")
        ticket = services.ticket_transition(actor=people.tech, ticket=ticket, status="assigned", technician=second_tech)
        assert ticket.technician == second_tech
    assert Notification.objects.filter(recipient=second_tech, title__contains="已分配给您").exists()
    with schema_context(alpha.schema_name):
        services.ticket_transition(actor=second_tech, ticket=ticket, status="fixed")
    assert Notification.objects.filter(recipient=people.teacher, title__contains="分配测试电脑",
                                       kind="request_decided").exists()


def test_a_lapsing_certification_is_announced_once_to_its_holder(alpha, people):
    from modules.equipment.models import Certification
    from zhengtong.notifications.models import Notification

    from .equipment_factories import make_course

    course = make_course(alpha, title="即将到期的培训")
    today = timezone.localdate()
    with schema_context(alpha.schema_name):
        Certification.objects.create(course=course, user=people.teacher, granted_on=today - timedelta(days=355),
                                     valid_until=today + timedelta(days=10))
        Certification.objects.create(course=course, user=people.manager, granted_on=today - timedelta(days=300),
                                     valid_until=today + timedelta(days=60))
        services.overdue_warn(today=today)
        services.overdue_warn(today=today + timedelta(days=1))
    assert Notification.objects.filter(recipient=people.teacher, title__contains="即将到期的培训").count() == 1
    assert not Notification.objects.filter(recipient=people.manager, title__contains="即将到期的培训").exists()
