"""Shared fixtures. The district and two units (alpha, beta) are created once per test
session by cloning the template schema, then reused: each test runs in a transaction
that is rolled back, so what a test writes never reaches the next one."""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

ALPHA_HOST = "alpha.zt.test"
BETA_HOST = "beta.zt.test"
DISTRICT_HOST = "zt.test"
PASSWORD = "Zt-test-Passw0rd"

_seq = itertools.count(1)


def _own_test_database(request, django_db_blocker) -> None:
    """pytest-django creates the test database only when a collected test uses ``db`` (or the
    django_db mark). A run of worker tests alone (they take django_db_setup, not db) would
    otherwise write the session's units into the real database: create it here then."""
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        return
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})

    def drop():
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)

    request.addfinalizer(drop)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    from tenants.models import Unit
    from tenants.services import unit_onboard

    with django_db_blocker.unblock():
        _own_test_database(request, django_db_blocker)
        call_command("migrate_platform", verbosity=0, district_name="测试区", division_code="110199")
        # Idempotent, so `pytest --reuse-db` works too.
        if not Unit.objects.filter(slug="alpha").exists():
            unit_onboard(name="甲单位", slug="alpha", module_keys=["assets", "inspection"], check_actor=False,
                         send_invite=False)
        if not Unit.objects.filter(slug="beta").exists():
            unit_onboard(name="乙单位", slug="beta", unit_type="school", module_keys=["assets", "inspection"],
                         check_actor=False, send_invite=False)
        from tenants.models import UnitModule  # units kept by --reuse-db get modules added since
        from zhengtong.registry.registry import module_keys

        for unit in Unit.objects.filter(slug__in=["alpha", "beta"]):
            # Every registered module is on for both session units; tests that need a module
            # switched off do it themselves (inside their rolled-back transaction).
            for key in module_keys():
                UnitModule.objects.get_or_create(unit=unit, module_key=key)
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    # Requests through the test client leave the connection on the last unit's schema.
    yield
    if hasattr(connection, "set_schema_to_public"):
        connection.set_schema_to_public()


@pytest.fixture
def alpha(db):
    from tenants.models import Unit

    return Unit.objects.get(slug="alpha")


@pytest.fixture
def beta(db):
    from tenants.models import Unit

    return Unit.objects.get(slug="beta")


@pytest.fixture
def make_user(db):
    """make_user(unit, roles) -> a user who belongs to ``unit`` with ``roles`` there."""
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    def make(unit=None, roles=(), *, email=None, name=None, district_roles=()):
        n = next(_seq)
        with schema_context("public"):
            user = User.objects.create_user(email=email or f"user{n}@test.cn", password=PASSWORD,
                                            name=name or f"用户{n}")
        if unit is not None:
            member_roles_set(unit=unit, user=user, role_keys=roles, actor=None, enforce_grantor=False)
        if district_roles:
            from tenants.models import Unit

            member_roles_set(unit=Unit.objects.get(schema_name="public"), user=user, role_keys=district_roles,
                             actor=None, enforce_grantor=False)
        return user

    return make


@pytest.fixture
def operator(make_user):
    return make_user(district_roles=["district.operator"])


@pytest.fixture
def client_for():
    """client_for(user, host) -> a logged-in test client aimed at ``host``."""

    def make(user, host=ALPHA_HOST):
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user)
            # A completed sign-in: administrators and operators have passed their second
            # factor too (real TOTP device, tests/support/two_factor.py).
            from tests.support.two_factor import verified_session

            verified_session(client, user)
        return client

    return make


@pytest.fixture
def make_asset():
    def make(unit, *, pk=None, name="台式计算机", value="5000.00", custodian=None, number=None):
        from datetime import date

        from modules.assets.models import Asset
        from modules.assets.services import _set_custodian_grants

        with schema_context(unit.schema_name):
            asset = Asset.objects.create(
                pk=pk, number=number or f"{unit.slug.upper()}-T-{next(_seq):05d}", name=name,
                original_value=Decimal(value), acquired_on=date(2024, 1, 15), custodian=custodian)
            _set_custodian_grants(asset, None, custodian)
        return asset

    return make


@pytest.fixture
def issued_files():
    """Files written by document_generate outlive the test's rolled-back transaction: remove them."""
    paths = []
    yield paths
    for p in paths:
        if p.exists():
            p.unlink()


@pytest.fixture
def disposal_staff(alpha, make_user):
    """The people of an asset disposal (资产处置) in alpha: an asset officer who files requests, two
    unit heads, a district finance officer."""
    return {
        "officer": make_user(alpha, ["assets.asset_officer"], name="王资产"),
        "head": make_user(alpha, ["platform.unit_admin"], name="李局长"),
        "deputy": make_user(alpha, ["platform.unit_admin"], name="赵副局长"),
        "finance": make_user(district_roles=["district.finance_bureau"], name="周财政"),
    }
