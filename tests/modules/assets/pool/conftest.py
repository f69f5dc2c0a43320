"""People and an idle asset for the idle-pool tests: alpha offers, beta receives."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django_tenants.utils import schema_context

ASSET_OFFICER = "assets.asset_officer"
UNIT_ADMIN = "platform.unit_admin"


@dataclass
class Cast:
    officer_a: object
    head_a: object
    officer_b: object
    head_b: object
    bureau: object


@pytest.fixture
def cast(alpha, beta, make_user):
    return Cast(officer_a=make_user(alpha, [ASSET_OFFICER], name="甲专管员"),
                head_a=make_user(alpha, [UNIT_ADMIN], name="甲负责人"),
                officer_b=make_user(beta, [ASSET_OFFICER], name="乙专管员"),
                head_b=make_user(beta, [UNIT_ADMIN], name="乙负责人"),
                bureau=make_user(district_roles=["district.finance_bureau"], name="国资办"))


def make_idle(unit, make_asset, *, pk=None, since=date(2025, 1, 10), value="12000.00", name="投影仪", **fields):
    from modules.assets.models import Asset

    asset = make_asset(unit, pk=pk, name=name, value=value)
    with schema_context(unit.schema_name):
        Asset.objects.filter(pk=asset.pk).update(status=Asset.Status.IDLE, status_changed_on=since, **fields)
        return Asset.objects.get(pk=asset.pk)
