"""Demo data for the equipment module in the demo school (区第一实验小学, slug "syxx"): places
with their responsible teachers, devices of the default types (migration 0003 brings the types,
their rules and the multimedia training with its exam), one teacher certified for projectors
and one not, a logbook entry, an open repair ticket, the maintenance plan, keys in custody, a
damage incident being established and last semester's evaluation.

Called from ``manage.py seed_demo``. Idempotent: a unit that already has places is left as it
is. Everything goes through the services (the audit trail reads like real work); the default
types and the course are only looked up.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.registry.manifest import DemoDistrict

# (name, kind, location, responsible login, deputy logins)
PLACES = [
    ("一年级(1)班教室", "classroom", "教学楼A101", "syxx-teacher", []),
    ("三年级(2)班教室", "classroom", "教学楼A203", "syxx-teacher2", []),
    ("计算机教室", "computer_lab", "综合楼301", "syxx-tech", ["syxx-eqm"]),
    ("网络中心机房", "network_room", "综合楼105", "syxx-tech", []),
    ("电子阅览室", "e_reading_room", "图书馆二楼", "syxx-head", ["syxx-teacher"]),
    ("电子备课室", "lesson_prep_room", "行政楼205", "syxx-head", []),
]
LAB_COMPUTERS = 20


def seed(district: DemoDistrict) -> None:
    from .models import Place

    with schema_context(district.units["syxx"].schema_name):
        if Place.objects.exists():
            return
        with transaction.atomic():
            _data(district.users)


def _data(users: dict) -> None:
    from . import services
    from .custody import services as custody
    from .models import Device, DeviceType, RepairTicket, TrainingCourse

    mgr, tech, admin = users["syxx-eqm"], users["syxx-tech"], users["syxx-admin"]
    trained, untrained = users["syxx-teacher"], users["syxx-teacher2"]
    today = timezone.localdate()
    places = {}
    for name, kind, location, responsible, deputies in PLACES:
        places[name] = services.place_create(actor=mgr, name=name, kind=kind, location=location,
                                             responsible=users[responsible],
                                             deputies=[users[d] for d in deputies])
    types = {t.name: t for t in DeviceType.objects.all()}

    def device(type_name, name, place, *, custodian=None, serial="", status=Device.Status.IN_USE, bought=2022):
        return services.device_register(actor=mgr, device_type=types[type_name], name=name, serial=serial,
                                        place=places[place], custodian=custodian, status=status,
                                        purchase_date=date(bought, 8, 20))

    projector1 = device("投影仪", "一年级(1)班投影仪", "一年级(1)班教室", custodian=trained, serial="EP-CB-X49-0101",
                        status=Device.Status.AVAILABLE)
    projector2 = device("投影仪", "三年级(2)班投影仪", "三年级(2)班教室", custodian=untrained, serial="EP-CB-X49-0302",
                        status=Device.Status.AVAILABLE)
    device("多媒体中控台", "一年级(1)班中控台", "一年级(1)班教室", custodian=trained)
    device("视频展示台", "三年级(2)班展示台", "三年级(2)班教室", custodian=untrained)
    lab = [device("网络教室学生机", f"计算机教室学生机{n:02d}", "计算机教室", serial=f"LX-M720-{n:04d}", bought=2021)
           for n in range(1, LAB_COMPUTERS + 1)]
    device("投影仪", "计算机教室投影仪", "计算机教室", custodian=tech, serial="EP-CB-X49-0301")
    device("网络设备与服务器", "核心交换机", "网络中心机房", custodian=tech, serial="H3C-S5560-01", bought=2020)
    device("网络设备与服务器", "校园网服务器", "网络中心机房", custodian=tech, serial="DELL-R740-01", bought=2020)
    device("UPS不间断电源", "机房UPS", "网络中心机房", custodian=tech, bought=2020)
    for n in range(1, 7):
        device("办公计算机", f"电子阅览室计算机{n:02d}", "电子阅览室", bought=2023)
    for n in range(1, 4):
        device("电子备课室计算机", f"电子备课室计算机{n:02d}", "电子备课室", bought=2023)
    device("打印机/扫描仪", "备课室打印机", "电子备课室", custodian=users["syxx-head"])

    # Training: one teacher passed the multimedia exam, the other failed it once (and is
    # refused a projector until she passes).
    course = TrainingCourse.objects.get(pk=projector1.device_type.required_course_id)
    questions = list(course.questions.all())
    services.exam_submit(actor=trained, course=course, answers={q.pk: q.correct_option for q in questions})
    services.exam_submit(actor=untrained, course=course,
                         answers={q.pk: (q.correct_option + 1) % len(q.options) for q in questions})

    # Logbook: the certified teacher borrowed her projector for an open lesson and returned it.
    entry = services.device_checkout(actor=trained, device=projector1, purpose="公开课《秋天》多媒体教学",
                                     with_students=True, acknowledge_rules=True)
    services.device_checkin(actor=trained, entry=entry, condition="good", note="使用正常，已断电")

    # An open repair ticket, assigned to the technician.
    ticket = services.fault_report(actor=trained, device=lab[6], symptom="开机后蓝屏，无法进入系统，学生无法上机")
    services.ticket_transition(actor=tech, ticket=ticket, status=RepairTicket.Status.ASSIGNED, technician=tech)

    # The maintenance and inspection plan of every device (the daily job does the same).
    services.maintenance_schedule(today=today)

    # Keys and credentials in custody (who keeps them, never the secret itself).
    for kind, name, place, holder in (
            ("key", "计算机教室门钥匙", "计算机教室", tech), ("key", "网络中心机房门钥匙", "网络中心机房", tech),
            ("card", "网络中心机房门禁卡", "网络中心机房", tech),
            ("key", "一年级(1)班教室钥匙", "一年级(1)班教室", trained),
            ("key", "三年级(2)班教室钥匙", "三年级(2)班教室", untrained),
            ("key", "电子备课室钥匙", "电子备课室", None)):
        custody.custody_item_register(actor=mgr, kind=kind, name=name, place=places[place], holder=holder,
                                      held_since=today - timedelta(days=80) if holder else None)
    custody.custody_item_register(actor=mgr, kind="credential", name="校园网服务器管理员账号", system="校园网服务器",
                                  holder=tech, held_since=today - timedelta(days=80),
                                  notes="密码封存于信息中心保险柜")

    # A damage incident being established: the untrained teacher's projector lens.
    incident = custody.damage_incident_create(
        actor=mgr, title="三年级(2)班投影仪镜头损坏", occurred_on=today - timedelta(days=6), kind="human_damage",
        cost=Decimal("860.00"), device=projector2,
        description="课间投影仪开机状态下被移动，镜头跌落碎裂；维修点报价更换镜头组件 860.00 元。")
    custody.damage_shares_set(actor=mgr, incident=incident, shares=[(untrained, Decimal("100.00"))])

    # Last semester's evaluation of two places (the checklist is set by the unit admin).
    items = [custody.evaluation_item_save(actor=admin, name=name, max_points=Decimal(points), position=n)
             for n, (name, points) in enumerate((("设备完好、按时报修", "30"), ("使用登记完整", "25"),
                                                 ("安全（断电、门窗、防潮）", "25"), ("卫生整洁", "20")))]
    semester = custody.semester_create(actor=admin, name=f"{today.year - 1}—{today.year}学年第二学期",
                                       starts_on=date(today.year, 2, 24), ends_on=date(today.year, 7, 10))
    for place, marks in (("计算机教室", ("28", "22", "24", "18")), ("三年级(2)班教室", ("24", "15", "20", "17"))):
        evaluation = custody.evaluation_start(actor=mgr, semester=semester, place=places[place])
        scores = {s.item_id: s.pk for s in evaluation.scores.all()}
        custody.evaluation_score(actor=mgr, evaluation=evaluation,
                                 points={scores[i.pk]: Decimal(m) for i, m in zip(items, marks, strict=True)},
                                 remarks="期末检查")
        custody.evaluation_finalise(actor=mgr, evaluation=evaluation)
