"""Committed data for tests that several connections must see at once (threads, a real Celery
worker, gunicorn for the browser): these tests do not use the per-test transaction (``db``),
so they onboard a scratch unit of their own, commit into it, and drop it afterwards (the
session's alpha/beta stay untouched)."""
from __future__ import annotations

import shutil
import time
import uuid
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django_tenants.utils import schema_context


def drop_unit(unit) -> None:
    """Remove a unit completely: its schema, its public rows and its media folder."""
    connection.set_schema_to_public()
    unit.delete(force_drop=True)  # drops the schema; cascades domains, modules, memberships
    shutil.rmtree(Path(settings.MEDIA_ROOT) / unit.schema_name, ignore_errors=True)


def drop_units(slugs) -> None:
    """Remove the units with these slugs (made by an onboarding under test), closing every
    connection first: a connection still on a unit's schema would hold the schema's drop."""
    from tenants.models import Unit

    for alias in connections:
        connections[alias].close()
    connection.set_schema_to_public()
    for unit in Unit.objects.filter(slug__in=slugs):
        drop_unit(unit)


def drop_users(users) -> None:
    """Delete accounts made for a test, with their district roles and whatever public rows point
    at them (the ORM's cascade would also look for guardian rows, which exist only in unit
    schemas)."""
    from tenant_users.permissions.models import UserTenantPermissions

    ids = [u.pk for u in users]
    if not ids:
        return
    connection.set_schema_to_public()
    for grant in UserTenantPermissions.objects.filter(profile_id__in=ids):  # the district portal's roles
        grant.groups.clear()
        grant.delete()
    with connection.cursor() as cur:
        # Found from the models, not from the catalog's foreign keys: references to people are
        # declared without a database constraint (db_constraint=False, docs/scaling.md).
        for table, column, null in _public_references_to_people():
            if null:
                cur.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" = ANY(%s)', [ids])
            else:
                cur.execute(f'DELETE FROM "{table}" WHERE "{column}" = ANY(%s)', [ids])
        cur.execute("DELETE FROM accounts_user WHERE id = ANY(%s)", [ids])


def _public_references_to_people() -> list[tuple[str, str, bool]]:
    """(table, column, nullable) of every public-schema column that names a person."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    person = get_user_model()
    public_tables = set(connection.introspection.table_names())  # the search_path is public here
    return [(model._meta.db_table, field.column, field.null)
            for model in apps.get_models(include_auto_created=True)
            if model is not person and model._meta.db_table in public_tables
            for field in model._meta.local_fields
            if field.is_relation and field.related_model is person]


@contextmanager
def scratch_unit(django_db_blocker, *, prefix: str = "rel", modules=("assets",)):
    """A committed unit of its own (unique slug), with a ``member(roles)`` maker for
    committed users; everything is removed on exit."""
    from tests.support.factories import MemberFactory, UnitFactory

    users = []
    with django_db_blocker.unblock():
        unit = UnitFactory(name=f"测试单位{prefix}", slug=f"{prefix}-{uuid.uuid4().hex[:8]}", module_keys=modules)

        def member(roles=(), name=None):
            user = MemberFactory(unit=unit, roles=roles, email=f"{uuid.uuid4().hex[:10]}@scratch.test",
                                 name=name or "临时用户")
            users.append(user)
            return user

        unit.member = member
        try:
            yield unit
        finally:
            for alias in connections:
                connections[alias].close()
            drop_unit(unit)
            drop_users(users)


@contextmanager
def committed_unit(django_db_blocker, people: dict[str, tuple[list[str], list[str]]]):
    """A unit of its own with committed members; everything is removed afterwards.

    ``people``: {key: (roles in the unit, district roles)}. Must run inside
    ``django_db_blocker.unblock()``.
    """
    from tenants.models import Unit
    from tests.support.factories import MemberFactory, UnitFactory
    from zhengtong.accounts.models import User
    from zhengtong.approvals.models import DistrictPendingStep
    from zhengtong.notifications.models import Notification, PeriodicRun

    slug = f"ap{uuid.uuid4().hex[:10]}"
    unit = UnitFactory(name=f"审批测试{slug}", slug=slug, module_keys=["assets"])
    portal = Unit.objects.get(schema_name="public")
    users = {}
    try:
        for key, (roles, district_roles) in people.items():
            users[key] = MemberFactory(unit=unit, roles=roles, district_roles=district_roles,
                                       email=f"{slug}-{key}@test.cn", name=key)
        yield unit, users
    finally:
        connection.set_schema_to_public()
        Notification.objects.filter(unit=unit).delete()
        PeriodicRun.objects.filter(schema_name=unit.schema_name).delete()
        DistrictPendingStep.objects.filter(unit=unit).delete()
        unit.delete(force_drop=True)
        for user in users.values():
            portal.remove_user(user)
            # Deleted with the template's search_path: guardian's tables (which reference users)
            # exist only in unit schemas, so Django's cascade must find them there; the user has
            # no rows in the template.
            with schema_context("unit_template"):
                User.objects.filter(pk=user.pk).delete()


def committed_asset(unit, original_value: str = "5000.00", **fields):
    """A committed asset card in ``unit``, ready for a disposal request (its disposal method is
    the type the card's disposal request page sets before submitting)."""
    from modules.assets.models import Asset

    values = dict(number=f"T-{uuid.uuid4().hex[:8]}", name="台式计算机", original_value=Decimal(original_value),
                  acquired_on=date(2020, 5, 1), disposal_method="sale")
    values.update(fields)
    with schema_context(unit.schema_name):
        return Asset.objects.create(**values)


def wait_for(what: str, check, timeout: float = 120):  # generous: the machine may be busy
    """Poll ``check`` until it returns something truthy (what a worker or server committed)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
