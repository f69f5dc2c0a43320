"""Use of devices: training certification decides check-out and sessions (valid, missing,
expired), the usage rules are accepted per version, failing twice flags the person."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.equipment import services
from modules.equipment.models import Certification, Device, LogbookEntry
from zhengtong.core.errors import Invalid, Refused

from .equipment_factories import (
    MANAGER,
    USER,
    answers_all_right,
    answers_all_wrong,
    make_course,
    make_device,
    make_type,
)


@pytest.fixture
def setup(alpha, make_user):
    class S:
        teacher = make_user(alpha, [USER], name="王老师")
        manager = make_user(alpha, [MANAGER], name="信息中心李主任")
        course = make_course(alpha, title="多媒体操作培训（测试）")
        projector_type = make_type(alpha, name="测试投影仪", course=course, usage_rules="不得私自拆卸。",
                                   logbook_required=True)
        projector = make_device(alpha, device_type=projector_type, name="便携投影仪一号")

    return S


def test_checkout_refused_without_certification_then_allowed_after_passing(alpha, setup):
    s = setup
    with schema_context(alpha.schema_name):
        with pytest.raises(Refused) as refused:
            services.device_checkout(actor=s.teacher, device=s.projector, purpose="公开课", acknowledge_rules=True)
        # The message names the training the teacher lacks.
        assert "多媒体操作培训（测试）" in refused.value.message
        assert not LogbookEntry.objects.filter(device=s.projector).exists()
        assert Device.objects.get(pk=s.projector.pk).status == Device.Status.AVAILABLE
        # Sessions are refused the same way.
        now = timezone.now()
        with pytest.raises(Refused):
            services.session_log(actor=s.teacher, device=s.projector, started_at=now - timedelta(hours=1),
                                 ended_at=now, condition="good", acknowledge_rules=True)

        result = services.exam_submit(actor=s.teacher, course=s.course, answers=answers_all_right(s.course, alpha))
        assert result.attempt.passed and result.attempt.score == 100
        assert result.certification.valid_until == timezone.localdate() + timedelta(days=365)

        entry = services.device_checkout(actor=s.teacher, device=s.projector, purpose="公开课",
                                         acknowledge_rules=True)
        assert entry.kind == LogbookEntry.Kind.CHECKOUT and entry.ended_at is None
        assert Device.objects.get(pk=s.projector.pk).status == Device.Status.CHECKED_OUT

        services.device_checkin(actor=s.teacher, entry=entry, condition="good")
        assert Device.objects.get(pk=s.projector.pk).status == Device.Status.AVAILABLE


def test_expired_certification_is_refused_and_says_when_it_expired(alpha, setup):
    s = setup
    with schema_context(alpha.schema_name):
        today = timezone.localdate()
        Certification.objects.create(course=s.course, user=s.teacher, granted_on=today - timedelta(days=400),
                                     valid_until=today - timedelta(days=35))
        with pytest.raises(Refused) as refused:
            services.device_checkout(actor=s.teacher, device=s.projector, acknowledge_rules=True)
        assert "expired" in refused.value.message or "过期" in refused.value.message
        assert str(today - timedelta(days=35)) in refused.value.message
        # Valid through its last day, not a day longer.
        Certification.objects.create(course=s.course, user=s.teacher, granted_on=today - timedelta(days=365),
                                     valid_until=today)
        assert services.device_checkout(actor=s.teacher, device=s.projector, acknowledge_rules=True)


def test_refusal_is_in_the_audit_trail(alpha, setup):
    from zhengtong.audit.models import AuditEvent

    s = setup
    with schema_context(alpha.schema_name):
        with pytest.raises(Refused):
            services.device_checkout(actor=s.teacher, device=s.projector, acknowledge_rules=True)
        event = AuditEvent.objects.filter(action="equipment.device.checkout", actor_id=s.teacher.pk).get()
        assert event.result == "denied" and "多媒体操作培训（测试）" in event.detail


def test_usage_rules_acknowledged_at_first_use_and_again_after_a_change(alpha, setup, make_user):
    s = setup
    admin = make_user(alpha, ["equipment.module_admin"])
    with schema_context(alpha.schema_name):
        services.exam_submit(actor=s.teacher, course=s.course, answers=answers_all_right(s.course, alpha))
        with pytest.raises(services.RulesNotAcknowledged):
            services.device_checkout(actor=s.teacher, device=s.projector)
        entry = services.device_checkout(actor=s.teacher, device=s.projector, acknowledge_rules=True)
        services.device_checkin(actor=s.teacher, entry=entry, condition="good")
        # Accepted once: the next use needs no new acceptance.
        entry = services.device_checkout(actor=s.teacher, device=s.projector)
        services.device_checkin(actor=s.teacher, entry=entry, condition="good")
        services.device_type_save(actor=admin, device_type=s.projector_type,
                                  usage_rules="不得私自拆卸。用后断开电源。")
        with pytest.raises(services.RulesNotAcknowledged) as again:
            services.device_checkout(actor=s.teacher, device=s.projector)
        assert "2" in again.value.message


def test_two_people_cannot_hold_one_device(alpha, setup, make_user):
    s = setup
    other = make_user(alpha, [USER], name="赵老师")
    with schema_context(alpha.schema_name):
        for person in (s.teacher, other):
            services.exam_submit(actor=person, course=s.course, answers=answers_all_right(s.course, alpha))
        services.device_checkout(actor=s.teacher, device=s.projector, acknowledge_rules=True)
        with pytest.raises(Invalid) as refused:
            services.device_checkout(actor=other, device=s.projector, acknowledge_rules=True)
        assert "王老师" in refused.value.message


def test_failing_twice_flags_the_person_to_the_manager(alpha, setup):
    from zhengtong.notifications.models import Notification

    s = setup
    with schema_context(alpha.schema_name):
        first = services.exam_submit(actor=s.teacher, course=s.course, answers=answers_all_wrong(s.course, alpha))
        assert not first.attempt.passed and first.certification is None
    assert not Notification.objects.filter(recipient=s.manager).exists()
    with schema_context(alpha.schema_name):
        second = services.exam_submit(actor=s.teacher, course=s.course, answers=answers_all_wrong(s.course, alpha))
        assert second.failures_in_a_row == 2
    note = Notification.objects.get(recipient=s.manager)
    assert "王老师" in note.title and "多媒体操作培训（测试）" in note.title


def test_pass_mark_is_a_floor(alpha, setup):
    s = setup
    with schema_context(alpha.schema_name):
        answers = answers_all_right(s.course, alpha)
        wrong_one = next(iter(answers))
        answers[wrong_one] = 0  # 4 of 5 = 80 %: exactly the pass mark passes
        assert services.exam_submit(actor=s.teacher, course=s.course, answers=answers).attempt.passed
        answers[next(k for k in answers if k != wrong_one)] = 0  # 3 of 5 = 60 %
        assert not services.exam_submit(actor=s.teacher, course=s.course, answers=answers).attempt.passed


def test_students_only_under_supervision_where_the_type_allows(alpha, setup, make_user):
    s = setup
    office_pc = make_type(alpha, name="测试办公机", use_policy="staff")
    lab_pc = make_type(alpha, name="测试学生机", use_policy="supervised_students")
    with schema_context(alpha.schema_name):
        now = timezone.now()
        pc = make_device(alpha, device_type=office_pc)
        with pytest.raises(Refused) as refused:
            services.session_log(actor=s.teacher, device=pc, started_at=now - timedelta(hours=1), ended_at=now,
                                 with_students=True)
        assert "测试办公机" in refused.value.message
        lab = make_device(alpha, device_type=lab_pc)
        entry = services.session_log(actor=s.teacher, device=lab, started_at=now - timedelta(hours=1), ended_at=now,
                                     with_students=True, purpose="信息技术课")
        assert entry.with_students and entry.kind == LogbookEntry.Kind.SESSION


def test_damaged_on_return_opens_a_repair_ticket(alpha, setup):
    from modules.equipment.models import RepairTicket

    s = setup
    with schema_context(alpha.schema_name):
        services.exam_submit(actor=s.teacher, course=s.course, answers=answers_all_right(s.course, alpha))
        entry = services.device_checkout(actor=s.teacher, device=s.projector, acknowledge_rules=True)
        with pytest.raises(Invalid):
            services.device_checkin(actor=s.teacher, entry=entry, condition="damaged")  # no description
        services.device_checkin(actor=s.teacher, entry=entry, condition="damaged", note="镜头有裂纹")
        ticket = RepairTicket.objects.get(device=s.projector)
        assert ticket.symptom == "镜头有裂纹" and ticket.reported_by == s.teacher


def test_services_refuse_devices_and_places_the_person_may_not_see(alpha, setup, make_user):
    from django.core.exceptions import PermissionDenied

    from .equipment_factories import make_place

    outsider = make_user(alpha, ["assets.custodian"], name="无设备角色")
    place = make_place(alpha, responsible=setup.manager)
    with schema_context(alpha.schema_name):
        now = timezone.now()
        with pytest.raises(PermissionDenied):
            services.device_checkout(actor=outsider, device=setup.projector, acknowledge_rules=True)
        with pytest.raises(PermissionDenied):
            services.fault_report(actor=outsider, device=setup.projector, symptom="坏了")
        with pytest.raises(PermissionDenied):
            services.session_log(actor=outsider, place=place, started_at=now - timedelta(hours=1), ended_at=now)
        assert not LogbookEntry.objects.filter(user=outsider).exists()
