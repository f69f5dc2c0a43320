"""Fixtures shared by the equipment module's tests."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django_tenants.utils import schema_context

from modules.equipment.custody import services

from .equipment_factories import MANAGER, MODULE_ADMIN, USER, make_place


@pytest.fixture
def school(alpha, make_user):
    """A school's custody set-up: module admin, the centre's manager, two responsible teachers, three
    places, a three-item checklist and two semesters."""
    class S:
        admin = make_user(alpha, [MODULE_ADMIN], name="模块管理员")
        manager = make_user(alpha, [MANAGER], name="信息中心主任")
        wang = make_user(alpha, [USER], name="王班主任")
        li = make_user(alpha, [USER], name="李管理员")
        class_1 = make_place(alpha, responsible=wang, name="初一（1）班教室")
        class_2 = make_place(alpha, responsible=wang, name="初一（2）班教室")
        lab = make_place(alpha, responsible=li, name="学生机房", kind="computer_lab")
    with schema_context(alpha.schema_name):
        S.items = [services.evaluation_item_save(actor=S.admin, name=n, max_points=D(p), position=i)
                   for i, (n, p) in enumerate([("设备完好、无灰尘", "40"), ("钥匙与密码专人保管", "30"),
                                               ("使用登记完整", "30")])]
        S.autumn = services.semester_create(actor=S.admin, name="2025—2026学年第一学期", starts_on=date(2025, 9, 1),
                                            ends_on=date(2026, 1, 20))
        S.spring = services.semester_create(actor=S.admin, name="2025—2026学年第二学期", starts_on=date(2026, 2, 20),
                                            ends_on=date(2026, 7, 10))
    return S
