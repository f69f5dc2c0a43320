"""District roll-up: one query across the unit schemas; its figures equal the sum of the
units' own books, and the district page shows them with a drill-down to a unit."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Sum
from django_tenants.utils import schema_context

from modules.assets import rollup
from modules.assets.depreciation import depreciation_run
from modules.assets.models import Asset, Category

from ...conftest import ALPHA_HOST, DISTRICT_HOST


def _books(unit):
    """The unit's own figures, read inside its schema (the reference the roll-up must match)."""
    with schema_context(unit.schema_name):
        agg = Asset.objects.aggregate(n=Count("pk"), orig=Sum("original_value"),
                                      net=Sum(F("original_value") - F("accumulated_depreciation")))
        by_status = dict(Asset.objects.values_list("status").annotate(n=Count("pk")))
    return agg["n"], agg["orig"] or Decimal("0"), agg["net"] or Decimal("0"), by_status


def _fill(alpha, beta, make_asset):
    # Same primary keys in both units: the roll-up must keep them apart.
    for unit, values in ((alpha, ("6000.00", "240000.00", "3500.50")), (beta, ("9000.00", "1200.00"))):
        for i, value in enumerate(values, start=900001):
            make_asset(unit, pk=i, value=value)
        with schema_context(unit.schema_name):
            Asset.objects.filter(pk=900001).update(asset_class=Category.objects.get(name="台式计算机"))
            Asset.objects.filter(pk=900002).update(status=Asset.Status.IDLE)
            depreciation_run(through=date(2025, 1, 1))


def test_rollup_figures_equal_the_sum_of_the_units(alpha, beta, make_asset):
    _fill(alpha, beta, make_asset)
    units = rollup.rollup_units()
    assert {"alpha", "beta"} <= {u.slug for u in units}
    rows = rollup.asset_rollup(units)
    by_unit = rollup.totals_by(rows, lambda r: r.unit.slug)
    expected_total = [0, Decimal("0"), Decimal("0")]
    for unit in units:
        n, orig, net, by_status = _books(unit)
        got = by_unit.get(unit.slug, rollup.Totals())
        assert (got.count, got.original_value, got.net_value) == (n, orig, net), unit.slug
        statuses = rollup.totals_by([r for r in rows if r.unit.pk == unit.pk], lambda r: r.status)
        assert {s: t.count for s, t in statuses.items()} == by_status
        expected_total = [expected_total[0] + n, expected_total[1] + orig, expected_total[2] + net]
    total = rollup.totals_by(rows, lambda r: "all")["all"]
    assert [total.count, total.original_value, total.net_value] == expected_total
    # The desktop class in alpha: 6000 bought 2024-01-15, 12 months charged by January 2025.
    desk = [r for r in rows if r.unit.slug == "alpha" and r.class_name == "台式计算机"]
    assert sum(r.net_value for r in desk) == Decimal("6000.00") - Decimal("83.33") * 13  # Jan 2024..Jan 2025


def test_the_district_page_shows_the_rollup_and_drills_down_to_a_unit(alpha, beta, make_asset, make_user,
                                                                      client_for):
    _fill(alpha, beta, make_asset)
    bureau = make_user(district_roles=["district.finance_bureau"])
    page = client_for(bureau, DISTRICT_HOST).get("/assets/")
    assert page.status_code == 200
    html = page.content.decode()
    n, orig, net, _ = _books(alpha)
    assert f'data-unit="alpha"' in html and f"¥{orig:,.2f}" in html and f"¥{net:,.2f}" in html
    unit_page = client_for(bureau, DISTRICT_HOST).get("/assets/units/beta/")
    assert unit_page.status_code == 200
    assert "¥10,200.00" in unit_page.content.decode()  # beta's original value in all
    # A unit's asset officer is no district reader, and the unit host has no roll-up.
    officer = make_user(alpha, ["assets.asset_officer"])
    assert client_for(officer, DISTRICT_HOST).get("/assets/").status_code == 404
    assert client_for(bureau, DISTRICT_HOST).get("/assets/units/nosuchunit/").status_code == 404
    assert client_for(officer, ALPHA_HOST).get("/assets/").status_code == 404
