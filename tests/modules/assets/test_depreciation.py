"""Asset cards: the GB/T 14885 classification, the card's fields and straight-line monthly
depreciation computed by the monthly job and shown on the card."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.assets.depreciation import accumulated_depreciation

D = Decimal


def test_shipped_classification_has_top_levels_and_common_classes(alpha):
    from modules.assets.models import Category

    with schema_context(alpha.schema_name):
        tops = set(Category.objects.filter(parent=None).values_list("name", flat=True))
        assert {"土地、海域及无居民海岛", "房屋和构筑物", "设备", "文物和陈列品", "家具和用具"} <= tops
        desktop = Category.objects.get(name="台式计算机")
        assert desktop.parent.name == "计算机设备" and desktop.code.startswith(desktop.parent.code)
        assert desktop.depreciation_years == 6
        assert Category.objects.get(name="载客汽车").depreciation_years == 8
        assert Category.objects.get(name="办公桌").depreciation_years == 15
        assert not Category.objects.get(name="土地、海域及无居民海岛").depreciable
        assert not Category.objects.get(name="文物和陈列品").depreciable


@pytest.mark.parametrize("through, expected", [
    (date(2023, 12, 31), "0.00"),     # before acquisition
    (date(2024, 1, 31), "83.33"),     # 当月增加当月计提: the acquisition month is charged, 6000 / 72
    (date(2024, 12, 1), "999.96"),    # 12 months
    (date(2029, 11, 1), "5916.43"),   # 71 months
    (date(2029, 12, 1), "6000.00"),   # 72nd month takes the remainder (83.57): net value 0
    (date(2035, 6, 1), "6000.00"),    # stops at the end of life, never beyond the original value
])
def test_straight_line_monthly_figures_for_a_six_year_computer(through, expected):
    assert accumulated_depreciation(original_value=D("6000.00"), acquired_on=date(2024, 1, 15), life_years=6,
                                    depreciable=True, through=through) == D(expected)


def test_a_car_over_eight_years_and_land_never():
    # 240,000 / 96 = 2,500.00 a month; acquired in December, charged from December.
    car = dict(original_value=D("240000.00"), acquired_on=date(2023, 12, 1), life_years=8, depreciable=True)
    assert accumulated_depreciation(**car, through=date(2023, 11, 30)) == D("0.00")
    assert accumulated_depreciation(**car, through=date(2023, 12, 1)) == D("2500.00")
    assert accumulated_depreciation(**car, through=date(2025, 11, 1)) == D("60000.00")  # 24 months
    land = dict(original_value=D("9000000.00"), acquired_on=date(2000, 1, 1), life_years=None, depreciable=False)
    assert accumulated_depreciation(**land, through=date(2026, 1, 1)) == D("0.00")


def _card(unit, actor, **kw):
    from modules.assets.services import asset_register

    with schema_context(unit.schema_name):
        return asset_register(actor=actor, **kw)


def test_the_monthly_job_books_accumulated_depreciation_and_net_value_on_the_cards(alpha, make_user, client_for):
    from modules.assets import tasks
    from modules.assets.models import Asset, Category

    officer = make_user(alpha, ["assets.asset_officer"])
    with schema_context(alpha.schema_name):
        desktop, relics, car = (Category.objects.get(name=n) for n in ("台式计算机", "文物和陈列品", "载客汽车"))
    pc = _card(alpha, officer, name="台式计算机", original_value=D("6000.00"), acquired_on=date(2024, 1, 15),
               asset_class=desktop)
    vase = _card(alpha, officer, name="青花瓷瓶", original_value=D("80000.00"), acquired_on=date(2010, 5, 1),
                 asset_class=relics)
    # The card's own service life wins over the class's 8 years: 120,000 / 60 = 2,000 a month.
    van = _card(alpha, officer, name="公务用车", original_value=D("120000.00"), acquired_on=date(2024, 6, 3),
                asset_class=car, service_life_years=5, quantity=D("1"), unit_of_measure="辆",
                acquisition_method="purchase", funding_source="budget")
    assert pc.category == "台式计算机"  # the text class follows the classification

    with schema_context(alpha.schema_name):
        from modules.assets.depreciation import depreciation_run

        assert depreciation_run(through=date(2024, 12, 20)) >= 3
        pc.refresh_from_db(), vase.refresh_from_db(), van.refresh_from_db()
        assert (pc.accumulated_depreciation, pc.net_value) == (D("999.96"), D("5000.04"))
        assert (vase.accumulated_depreciation, vase.net_value) == (D("0.00"), D("80000.00"))
        assert (van.accumulated_depreciation, van.net_value) == (D("14000.00"), D("106000.00"))  # Jun..Dec
        assert pc.depreciated_through == date(2024, 12, 1)
        assert depreciation_run(through=date(2024, 12, 31)) == 0  # idempotent within the month
        # The periodic task runs for this month in the unit's schema.
        tasks.depreciation_run()
        pc.refresh_from_db()
        today = timezone.localdate()
        months = min(72, (today.year * 12 + today.month) - (2024 * 12 + 1) + 1)  # January 2024 is charged too
        assert pc.accumulated_depreciation == (D("6000.00") if months >= 72 else D("83.33") * months)
        assert Asset.objects.get(pk=van.pk).depreciated_through == today.replace(day=1)

    page = client_for(officer).get(f"/m/assets/{pc.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"¥{pc.accumulated_depreciation:,.2f}" in html and f"¥{pc.net_value:,.2f}" in html
    relic_page = client_for(officer).get(f"/m/assets/{vase.pk}/").content.decode()
    assert "¥80,000.00" in relic_page


def test_depreciation_is_fanned_out_to_units_with_the_module(alpha):
    from zhengtong.notifications.periodic import periodic_tick

    sent = []
    periodic_tick(now=timezone.now(), send=lambda task, schema: sent.append((task, schema)))
    assert ("assets.depreciation_run", "u_alpha") in sent
