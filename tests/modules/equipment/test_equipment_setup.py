"""Setting up: places with responsible people, device types whose rules set only module admins
change (the asset officer may also require a training), devices linked to asset cards through
the assets module's selectors, the defaults seeded from the essays, the custody selectors."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import schema_context

from modules.equipment import selectors, services
from modules.equipment.models import DeviceType
from zhengtong.core.errors import Invalid

from .equipment_factories import (
    MANAGER,
    MODULE_ADMIN,
    TECHNICIAN,
    USER,
    make_course,
    make_device,
    make_place,
    make_type,
)


@pytest.fixture
def people(alpha, make_user):
    class P:
        teacher = make_user(alpha, [USER], name="班主任周老师")
        deputy = make_user(alpha, [USER], name="副班主任吴老师")
        manager = make_user(alpha, [MANAGER], name="信息中心主任")
        admin = make_user(alpha, [MODULE_ADMIN], name="模块管理员")
        officer = make_user(alpha, ["assets.asset_officer"], name="资产专管员")
        tech = make_user(alpha, [TECHNICIAN], name="技术员")

    return P


def test_defaults_from_the_essays_are_in_every_unit(alpha, beta):
    for unit in (alpha, beta):
        with schema_context(unit.schema_name):
            projector = DeviceType.objects.get(name="投影仪")
            # 篇四: teachers need training before using the classroom computer and projector.
            assert projector.required_course.title == "多媒体设备操作培训"
            assert projector.required_course.questions.count() >= 3
            network = DeviceType.objects.get(name="网络设备与服务器")
            assert network.use_policy == "technicians" and network.logbook_required
            assert any("异地备份" in item for item in network.checklist)
            assert any("杀毒" in item for item in DeviceType.objects.get(name="办公计算机").checklist)


def test_place_with_responsible_person_and_deputies(alpha, people):
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):
            services.place_create(actor=people.teacher, name="三年二班", kind="classroom", responsible=people.teacher)
        place = services.place_create(actor=people.manager, name="三年二班", kind="classroom",
                                      responsible=people.teacher, deputies=[people.deputy])
        assert set(selectors.places_responsible_for(user_id=people.deputy.pk)) == {place}
        services.place_update(actor=people.manager, place=place, deputies=[])
        assert not selectors.places_responsible_for(user_id=people.deputy.pk).exists()
        assert list(selectors.places_responsible_for(user_id=people.teacher.pk)) == [place]


def test_only_module_admins_change_type_rules_and_the_asset_officer_may_require_training(alpha, people):
    dtype = make_type(alpha, name="实物展台")
    course = make_course(alpha)
    with schema_context(alpha.schema_name):
        for someone in (people.manager, people.officer, people.teacher):
            with pytest.raises(PermissionDenied):
                services.device_type_save(actor=someone, device_type=dtype, maintenance_interval_days=30)
        with pytest.raises(PermissionDenied):
            services.device_type_require_training(actor=people.manager, device_type=dtype, course=course)
        services.device_type_require_training(actor=people.officer, device_type=dtype, course=course)
        assert DeviceType.objects.get(pk=dtype.pk).required_course == course
        saved = services.device_type_save(actor=people.admin, device_type=dtype, maintenance_interval_days=30,
                                          checklist="除尘\n\n 电源 \n")
        assert saved.checklist == ["除尘", "电源"] and saved.rules_version == 1  # rules text unchanged


def test_device_linked_to_an_asset_card_through_the_assets_selectors(alpha, people, make_asset):
    card = make_asset(alpha, name="便携式投影仪", number="ALPHA-EQ-00001")
    dtype = make_type(alpha)
    officer_and_manager = people.manager
    with schema_context(alpha.schema_name):
        # The manager cannot see that card in the assets module: the link is refused, naming the number.
        with pytest.raises(Invalid) as refused:
            services.device_register(actor=officer_and_manager, device_type=dtype, name="投影仪",
                                     asset_number="ALPHA-EQ-00001")
        assert "ALPHA-EQ-00001" in refused.value.message
        with pytest.raises(Invalid):
            services.device_register(actor=officer_and_manager, device_type=dtype, name="投影仪",
                                     asset_number="NO-SUCH-CARD")
    both = people.officer
    from zhengtong.accounts.services import member_roles_set

    member_roles_set(unit=alpha, user=both, role_keys=["assets.asset_officer", MANAGER], actor=None,
                     enforce_grantor=False)
    with schema_context(alpha.schema_name):
        device = services.device_register(actor=both, device_type=dtype, name="投影仪", asset_number=card.number)
        assert services.asset_card_for(user=both, number=device.asset_number).pk == card.pk


def test_custody_selectors_list_what_a_person_holds(alpha, people):
    place = make_place(alpha, responsible=people.teacher, deputies=[people.deputy])
    dtype = make_type(alpha)
    held = make_device(alpha, device_type=dtype, custodian=people.teacher, place=place)
    make_device(alpha, device_type=dtype, custodian=people.teacher, status="scrapped")
    make_device(alpha, device_type=dtype, custodian=people.deputy)
    with schema_context(alpha.schema_name):
        assert list(selectors.devices_held_by(user_id=people.teacher.pk)) == [held]
        assert list(selectors.places_responsible_for(user_id=people.deputy.pk)) == [place]


def test_a_fault_is_told_to_the_responsible_people_and_technicians(alpha, people, make_user):
    from zhengtong.notifications.models import Notification

    place = make_place(alpha, responsible=people.teacher, deputies=[people.deputy])
    device = make_device(alpha, device_type=make_type(alpha), place=place, name="教室电脑")
    reporter = make_user(alpha, [USER], name="科任老师")
    with schema_context(alpha.schema_name):
        services.fault_report(actor=reporter, device=device, symptom="无法开机")
    for person in (people.teacher, people.deputy, people.tech):
        assert Notification.objects.filter(recipient=person, title__contains="教室电脑").exists()
    assert not Notification.objects.filter(recipient=reporter).exists()
    assert not Notification.objects.filter(recipient=people.manager, title__contains="教室电脑").exists()
