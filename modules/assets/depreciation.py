"""Depreciation of asset cards: straight line, monthly, no residual value.

月折旧额 = 原值 / (使用年限 × 12), rounded to the fen; the last month of the service life
takes the remainder so accumulated depreciation ends exactly at the original value and the
net value at 0. Depreciation starts in the month of acquisition — 政府会计准则第3号（固定资产）:
"当月增加的固定资产，当月开始计提折旧" (enterprises start the month after; government units do
not) — and stops at the end of the service life. Classes that
are not depreciated (land, cultural relics...) and cards without a service life keep their
original value as net value.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

CENT = Decimal("0.01")
# Months between acquisition and the first depreciated month: 0 = the month of acquisition
# (government accounting standard No. 3; an enterprise would use 1).
FIRST_MONTH_OFFSET = 0


def months_depreciated(acquired_on: date, through: date, life_months: int) -> int:
    """How many monthly charges have been made by the end of ``through``'s month."""
    elapsed = (through.year * 12 + through.month) - (acquired_on.year * 12 + acquired_on.month)
    months = elapsed - FIRST_MONTH_OFFSET + 1
    return max(0, min(months, life_months))


def accumulated_depreciation(*, original_value: Decimal, acquired_on: date, life_years: int | None,
                             depreciable: bool, through: date) -> Decimal:
    if not depreciable or not life_years:
        return Decimal("0.00")
    life_months = life_years * 12
    months = months_depreciated(acquired_on, through, life_months)
    if months >= life_months:
        return original_value.quantize(CENT)
    monthly = (original_value / life_months).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(monthly * months, original_value).quantize(CENT)


def asset_terms(asset) -> tuple[int | None, bool]:
    """Service life and depreciable flag of a card: its own life, else its class's."""
    from .classification import effective_class_terms

    years, depreciable = (None, True)
    if asset.asset_class_id:
        years, depreciable = effective_class_terms(asset.asset_class)
    if asset.service_life_years:
        years = asset.service_life_years
    return years, depreciable


@transaction.atomic
def depreciation_run(*, through: date | None = None) -> int:
    """Bring every card of the current unit to its accumulated depreciation at the end of
    ``through``'s month (default: this month). Idempotent: a rerun in the same month
    changes nothing; only cards whose figure moved are written (one UPDATE per batch, so
    the audit trigger records each change as a book movement). Returns the cards changed.
    """
    from .models import Asset, Category

    through = (through or timezone.localdate()).replace(day=1)
    classes = {c.pk: c for c in Category.objects.all()}  # parents resolved in memory
    for c in classes.values():
        c.parent = classes.get(c.parent_id)
    changed = []
    for asset in (Asset.objects.select_for_update().exclude(status=Asset.Status.DISPOSED)
                  .only("pk", "original_value", "acquired_on", "asset_class_id", "service_life_years",
                        "accumulated_depreciation", "depreciated_through")):
        asset.asset_class = classes.get(asset.asset_class_id)
        years, depreciable = asset_terms(asset)
        value = accumulated_depreciation(original_value=asset.original_value, acquired_on=asset.acquired_on,
                                         life_years=years, depreciable=depreciable, through=through)
        if value != asset.accumulated_depreciation or asset.depreciated_through != through:
            asset.accumulated_depreciation = value
            asset.depreciated_through = through
            changed.append(asset)
    Asset.objects.bulk_update(changed, ["accumulated_depreciation", "depreciated_through"], batch_size=1000)
    return len(changed)
