"""A real Celery worker (not eager mode) refreshes a unit's roll-up summary after an asset is
registered there: the write queues the task on commit, the worker adds up that unit's books,
and the district page then shows the new figures with their "as of" time.

The worker sees committed data only, so this test onboards a unit of its own, commits what it
needs, and drops the unit (its schema and its summary rows) afterwards.
"""
from __future__ import annotations

import time
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tests.conftest import DISTRICT_HOST, PASSWORD
from tests.support.worker import running_worker


@pytest.mark.worker
def test_a_real_worker_refreshes_the_units_summary_after_an_asset_write(django_db_setup, django_db_blocker,
                                                                        client_for):
    from modules.assets.district.models import UnitAssetSummary, UnitSummaryState
    from modules.assets.services import asset_register
    from tenants.models import Unit
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    tag = uuid.uuid4().hex[:6]
    unit, users = None, []
    with django_db_blocker.unblock():
        try:
            unit = unit_onboard(name=f"汇总测试单位{tag}", slug=f"rf{tag}", module_keys=["assets"], check_actor=False,
                                send_invite=False).unit
            officer = User.objects.create_user(email=f"officer@{unit.slug}.cn", password=PASSWORD, name="专管员")
            bureau = User.objects.create_user(email=f"bureau@{unit.slug}.cn", password=PASSWORD, name="国资办")
            users += [officer, bureau]
            member_roles_set(unit=unit, user=officer, role_keys=["assets.asset_officer"], actor=None,
                             enforce_grantor=False)
            member_roles_set(unit=Unit.objects.get(schema_name="public"), user=bureau,
                             role_keys=["district.finance_bureau"], actor=None, enforce_grantor=False)
            with running_worker():
                with schema_context(unit.schema_name):
                    officer = User.objects.get(pk=officer.pk)
                    asset_register(actor=officer, name="公务用车", original_value=Decimal("185000.00"),
                                   acquired_on=date(2026, 3, 1), department="办公室")
                    asset_register(actor=officer, name="笔记本电脑", original_value=Decimal("6800.50"),
                                   acquired_on=date(2026, 3, 1), department="信息中心")
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    state = UnitSummaryState.objects.filter(unit=unit).first()
                    if state and state.cards == 2:
                        break
                    time.sleep(0.3)
            assert state is not None and state.cards == 2, "the worker did not refresh the summary"
            rows = UnitAssetSummary.objects.filter(unit=unit)
            assert sorted(rows.values_list("department", "original_value")) == [
                ("信息中心", Decimal("6800.50")), ("办公室", Decimal("185000.00"))]
            page = client_for(bureau, DISTRICT_HOST).get(f"/assets/units/{unit.slug}/").content.decode()
            assert "¥191,800.50" in page and "数据截至" in page
        finally:
            connection.set_schema_to_public()
            if unit is not None:
                unit.delete(force_drop=True)  # drops the schema; the summary rows go with the unit row
            for user in users:
                User.objects.delete_user(user)
                try:
                    with transaction.atomic():
                        User.objects.filter(pk=user.pk)._raw_delete(User.objects.db)
                except IntegrityError:
                    pass
            connection.set_schema_to_public()
