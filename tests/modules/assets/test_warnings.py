"""Warnings to the asset officers: the books over an approved quota, and a failed monthly
depreciation run (recorded in the audit trail, figures untouched, the officers told once)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from modules.assets import quotas, tasks
from modules.assets.models import Asset, Category
from modules.assets.services import asset_register
from zhengtong.audit.models import AuditEvent
from zhengtong.notifications.models import Notification


@pytest.fixture
def people(alpha, beta, make_user):
    class P:
        officer = make_user(alpha, ["assets.asset_officer"])
        custodian = make_user(alpha, ["assets.custodian"])
        beta_officer = make_user(beta, ["assets.asset_officer"])
        bureau = make_user(district_roles=["district.finance_bureau"])
    return P


def warnings_of(user) -> list[str]:
    with schema_context("public"):
        return list(Notification.objects.filter(recipient=user, kind="module_warning").values_list("title", flat=True))


def test_books_over_the_approved_quota_warn_the_officer_once(alpha, people):
    year = date.today().year
    with schema_context(alpha.schema_name):
        vehicles = Category.objects.get(name="车辆")
        item = quotas.quota_item_open(actor=people.bureau, asset_class=vehicles, year=year)
        quotas.quota_round_add(actor=people.officer, item=item, step="propose", quantity=1)
        quotas.quota_round_add(actor=people.bureau, item=item, step="return", quantity=1)
        quotas.quota_round_add(actor=people.officer, item=item, step="revise", quantity=1)
        quotas.quota_round_add(actor=people.bureau, item=item, step="approve")
        cars = Category.objects.get(name="载客汽车")
        asset_register(actor=people.officer, name="轿车", original_value=Decimal("150000.00"),
                       acquired_on=date(2023, 6, 1), asset_class=cars)
        assert tasks.quota_check() == 0  # one car, quota one: nothing to say
        asset_register(actor=people.officer, name="越野车", original_value=Decimal("260000.00"),
                       acquired_on=date(2024, 6, 1), asset_class=cars)
        assert tasks.quota_check() == 1
        assert tasks.quota_check() == 1  # still over, but already said
    said = warnings_of(people.officer)
    assert len(said) == 1 and "超出配置定额" in said[0] and "车辆" in said[0] and "在册 2" in said[0]
    assert warnings_of(people.custodian) == [] and warnings_of(people.beta_officer) == []


def test_a_failed_depreciation_run_is_recorded_and_reported_once(alpha, beta, people, make_asset):
    card = make_asset(alpha, value="12000.00")
    other = make_asset(beta, value="12000.00")
    for unit, asset in ((alpha, card), (beta, other)):
        with schema_context(unit.schema_name):
            Asset.objects.filter(pk=asset.pk).update(service_life_years=5)
    with schema_context(alpha.schema_name), transaction.atomic():
        # The unit's books refuse any depreciation figure: a real database error, undone with
        # this savepoint once the failure has been looked at.
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the deferred triggers of make_asset first
            cur.execute("ALTER TABLE assets_asset ADD CONSTRAINT test_books_locked "
                        "CHECK (accumulated_depreciation = 0) NOT VALID")
        assert tasks.depreciation_run() == 0
        assert tasks.depreciation_run() == 0  # tomorrow's retry fails again
        card.refresh_from_db()
        assert card.accumulated_depreciation == Decimal("0.00") and card.depreciated_through is None
        failures = AuditEvent.objects.filter(action="assets.depreciation.run", result="failure")
        assert failures.count() == 2 and "IntegrityError" in failures.first().detail
        said = warnings_of(people.officer)
        assert len(said) == 1 and "折旧计提失败" in said[0]
        assert warnings_of(people.beta_officer) == []
        transaction.set_rollback(True)
    # Beta's run is not affected, and alpha's works once the cause is gone.
    with schema_context(beta.schema_name):
        assert tasks.depreciation_run() >= 1
        assert Asset.objects.get(pk=other.pk).accumulated_depreciation > 0
    with schema_context(alpha.schema_name):
        assert tasks.depreciation_run() >= 1
        card.refresh_from_db()
        assert card.accumulated_depreciation > 0
