"""Departments, posts and staff records made as the HR pages make them (modules.personnel
services: ID numbers encrypted and checked, the establishment enforced, the first history
entry opened, audited)."""
from __future__ import annotations

import itertools
from datetime import date

import factory

from modules.personnel import crypto
from modules.personnel.models import Department, Person, Post

from ._base import InUnitFactory

HR = "personnel.hr"
_serial = itertools.count(100)


def id_number(birth: date = date(1985, 3, 7), region: str = "110101") -> str:
    """A valid 18-character ID number (GB 11643 check digit), unique per call."""
    first17 = f"{region}{birth:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + crypto.id_number_check_digit(first17)


class DepartmentFactory(InUnitFactory):
    class Meta:
        model = Department

    class Params:
        actor_roles = (HR,)

    name = factory.Sequence(lambda n: f"测试科{n}")

    _service = "modules.personnel.services:department_create"


class PostFactory(InUnitFactory):
    """A post in ``department`` (a new one unless given) with ``establishment`` places."""

    class Meta:
        model = Post

    class Params:
        actor_roles = (HR,)

    department = factory.LazyAttribute(lambda o: DepartmentFactory(unit=o.unit, actor=o.actor))
    title = factory.Sequence(lambda n: f"科员{n}")
    establishment = 2

    _service = "modules.personnel.services:post_create"


class PersonFactory(InUnitFactory):
    """A staff record in post from ``entry_date`` (no post unless one is given)."""

    class Meta:
        model = Person

    class Params:
        actor_roles = (HR,)

    name = "张三丰"
    gender = "male"
    id_number = factory.LazyFunction(id_number)
    entry_date = date(2020, 1, 1)
    employment_type = "civil_servant"
    rank = "一级科员"

    _service = "modules.personnel.services:person_create"
