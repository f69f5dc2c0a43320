"""Helpers for the equipment tests: rows created straight in a unit's schema, so a
test sets up only what it is about and goes through the services for what it checks."""
from __future__ import annotations

import itertools
from decimal import Decimal as D

from django_tenants.utils import schema_context

_n = itertools.count(1)

MANAGER = "equipment.manager"
TECHNICIAN = "equipment.technician"
USER = "equipment.user"
MODULE_ADMIN = "equipment.module_admin"


def make_course(unit, *, title=None, pass_mark=80, validity_days=365, questions=None, pk=None):
    """A course with multiple-choice questions; the correct option is always index 1."""
    from modules.equipment.models import ExamQuestion, TrainingCourse

    with schema_context(unit.schema_name):
        course = TrainingCourse.objects.create(pk=pk, title=title or f"测试培训{next(_n)}", pass_mark=pass_mark,
                                               validity_days=validity_days)
        for i, text in enumerate(questions or ["开机顺序", "故障时怎么办", "离开时断电", "清洁方法", "谁来维修"]):
            ExamQuestion.objects.create(course=course, position=i, text=text, options=["错", "对", "不知道"],
                                        correct_option=1)
        return course


def make_type(unit, *, name=None, course=None, pk=None, **fields):
    from modules.equipment.models import DeviceType

    with schema_context(unit.schema_name):
        return DeviceType.objects.create(pk=pk, name=name or f"测试类型{next(_n)}", required_course=course, **fields)


def make_place(unit, *, responsible, name=None, kind="classroom", pk=None, deputies=()):
    from modules.equipment.models import Place

    with schema_context(unit.schema_name):
        place = Place.objects.create(pk=pk, name=name or f"测试教室{next(_n)}", kind=kind, responsible=responsible)
        place.deputies.set(deputies)
        return place


def make_device(unit, *, device_type, name=None, pk=None, place=None, custodian=None, status="available",
                serial=""):
    from modules.equipment.models import Device

    with schema_context(unit.schema_name):
        return Device.objects.create(pk=pk, device_type=device_type, name=name or f"测试设备{next(_n)}",
                                     place=place, custodian=custodian, status=status, serial=serial)


def answers_all_right(course, unit):
    with schema_context(unit.schema_name):
        return {q.pk: q.correct_option for q in course.questions.all()}


def answers_all_wrong(course, unit):
    with schema_context(unit.schema_name):
        return {q.pk: 0 for q in course.questions.all()}


def evaluate(unit, s, semester, place, points, *, final=True):
    """``s.manager`` scores ``place`` for ``semester`` (``points`` in checklist order) and, unless
    ``final=False``, finalises it: what the centre does on the scoring page."""
    from modules.equipment.custody import services

    with schema_context(unit.schema_name):
        ev = services.evaluation_start(actor=s.manager, semester=semester, place=place)
        scores = list(ev.scores.order_by("id"))
        services.evaluation_score(actor=s.manager, evaluation=ev,
                                  points={sc.pk: D(p) for sc, p in zip(scores, points, strict=True)})
        if final:
            services.evaluation_finalise(actor=s.manager, evaluation=ev)
        ev.refresh_from_db()
        return ev
