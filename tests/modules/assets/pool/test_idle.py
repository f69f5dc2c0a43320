"""Idle flagging: assets unused beyond the unit's rule idle_after_days are flagged and the asset
officer warned — once per asset and unused period, however often the daily job runs; each unit
flags only its own cards."""
from __future__ import annotations

from datetime import date, timedelta

from django_tenants.utils import schema_context

from modules.assets.models import Asset
from modules.assets.pool.models import IdleFlag
from modules.assets.pool.selectors import idle_assets_by_unit
from modules.assets.pool.services import idle_flags_refresh
from tests.conftest import ALPHA_HOST
from zhengtong.notifications.models import Notification

from .conftest import make_idle

TODAY = date(2026, 11, 27)


def _warnings(user):
    with schema_context("public"):
        return list(Notification.objects.filter(recipient=user, title__contains="闲置").values_list("title", flat=True))


def test_unused_assets_are_flagged_once_and_the_officer_warned(alpha, beta, cast, make_asset, make_user, client_for):
    long_idle = make_idle(alpha, make_asset, since=TODAY - timedelta(days=200), name="闲置打印机")
    make_idle(alpha, make_asset, since=TODAY - timedelta(days=30), name="刚闲置的椅子")  # not long enough
    nobody = make_asset(alpha, name="无人使用的扫描仪")
    held = make_asset(alpha, name="有人保管的电脑", custodian=cast.officer_a)
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk__in=[nobody.pk, held.pk]).update(status_changed_on=TODAY - timedelta(days=400))
    # Beta has an asset with the same id, long idle too: alpha's run never flags it.
    make_idle(beta, make_asset, pk=long_idle.pk, since=TODAY - timedelta(days=900), name="乙单位闲置")

    with schema_context(alpha.schema_name):
        assert idle_flags_refresh(today=TODAY) == 2
        assert idle_flags_refresh(today=TODAY) == 0  # idempotent
        assert idle_flags_refresh(today=TODAY + timedelta(days=1)) == 0
    flags = {f.asset_name: f.reason for f in IdleFlag.objects.filter(unit=alpha)}
    assert flags == {"闲置打印机": IdleFlag.Reason.IDLE, "无人使用的扫描仪": IdleFlag.Reason.NO_CUSTODIAN}
    assert not IdleFlag.objects.filter(unit=beta).exists()
    assert idle_assets_by_unit([alpha, beta]) == {alpha.pk: 2}  # what the district roll-up reads
    assert len(_warnings(cast.officer_a)) == 1 and _warnings(cast.officer_b) == []

    # The officer sees them on the idle page and may offer the idle one to the pool.
    page = client_for(cast.officer_a, ALPHA_HOST).get("/m/assets/pool/idle/").content.decode()
    assert "闲置打印机" in page and "无人使用的扫描仪" in page and "乙单位闲置" not in page

    # Back in use: the flag clears; idle again later: a new period, a new warning.
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=nobody.pk).update(custodian=cast.officer_a)
        idle_flags_refresh(today=TODAY + timedelta(days=2))
        assert IdleFlag.objects.get(unit=alpha, asset_id=nobody.pk).cleared_on == TODAY + timedelta(days=2)
        Asset.objects.filter(pk=nobody.pk).update(custodian=None, status=Asset.Status.IDLE,
                                                  status_changed_on=TODAY - timedelta(days=190))
        assert idle_flags_refresh(today=TODAY + timedelta(days=3)) == 1
    assert len(_warnings(cast.officer_a)) == 2


def test_the_units_rule_sets_the_period(alpha, cast, make_asset):
    from modules.assets.manifest import MANIFEST
    from zhengtong.registry.rules import module_rules_update, rules_for

    make_idle(alpha, make_asset, since=TODAY - timedelta(days=100), name="百日闲置")
    with schema_context(alpha.schema_name):
        assert idle_flags_refresh(today=TODAY) == 0  # default 180 days
        module_rules_update(manifest=MANIFEST, actor=cast.head_a, values={**rules_for(MANIFEST), "idle_after_days": 90})
        assert idle_flags_refresh(today=TODAY) == 1
