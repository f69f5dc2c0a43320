"""Units and the people in them, made by the platform's services: a unit onboarded as the
district operator onboards it, an account as an invitation creates it, roles as the roles page
sets them."""
from __future__ import annotations

import uuid

import factory

from tenants.models import Unit
from tests.conftest import PASSWORD
from zhengtong.accounts.models import User


class UnitFactory(factory.Factory):
    """A unit onboarded by tenants.services.unit_onboard (its schema from the pool or the
    template, ``module_keys`` switched on, audited); no invitation is sent."""

    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    slug = factory.LazyFunction(lambda: f"f-{uuid.uuid4().hex[:8]}")
    module_keys = ("assets",)

    @classmethod
    def _create(cls, model_class, *, module_keys, **fields):
        from tenants.services import unit_onboard

        return unit_onboard(module_keys=list(module_keys), check_actor=False, send_invite=False, **fields).unit


class UserFactory(factory.Factory):
    """An account made by accounts.services.user_create (audited), with the tests' password."""

    class Meta:
        model = User

    email = factory.LazyFunction(lambda: f"{uuid.uuid4().hex[:10]}@factory.test")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, **fields):
        from zhengtong.accounts.services import user_create

        return user_create(**fields)


class MemberFactory(UserFactory):
    """A person who belongs to ``unit`` with ``roles`` there and holds ``district_roles`` on the
    district portal, set by accounts.services.member_roles_set as the roles page sets them (the
    grantor check is the page's, not the data's: it is skipped)."""

    unit = None
    roles = ()
    district_roles = ()

    @classmethod
    def _create(cls, model_class, *, unit, roles, district_roles, **fields):
        from zhengtong.accounts.services import member_roles_set

        user = super()._create(model_class, **fields)
        if unit is not None:
            member_roles_set(unit=unit, user=user, role_keys=roles, actor=None, enforce_grantor=False)
        if district_roles:
            portal = Unit.objects.get(schema_name="public")
            member_roles_set(unit=portal, user=user, role_keys=district_roles, actor=None, enforce_grantor=False)
        return user
