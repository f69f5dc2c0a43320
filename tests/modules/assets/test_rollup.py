"""District roll-up: per-unit summary rows in the public schema; their figures equal the sum
of the units' own books after changes and a refresh, a unit without a summary is read live,
and the district pages show them with a drill-down, exports and refresh — to district
readers only."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, F, Sum
from django_tenants.utils import schema_context

from modules.assets import rollup
from modules.assets.depreciation import depreciation_run
from modules.assets.district.models import UnitAssetSummary, UnitSummaryState
from modules.assets.district.services import summary_refresh_on_commit, unit_summary_refresh
from modules.assets.models import Asset, Category
from tests.support.documents import pdf_text

from ...conftest import ALPHA_HOST, DISTRICT_HOST


def _books(unit):
    """The unit's own figures, read inside its schema (the reference the roll-up must match)."""
    with schema_context(unit.schema_name):
        agg = Asset.objects.aggregate(n=Count("pk"), orig=Sum("original_value"),
                                      net=Sum(F("original_value") - F("accumulated_depreciation")))
        by_status = dict(Asset.objects.values_list("status").annotate(n=Count("pk")))
        by_dept = dict(Asset.objects.values_list("department").annotate(n=Count("pk")))
    return agg["n"], agg["orig"] or Decimal("0"), agg["net"] or Decimal("0"), by_status, by_dept


def _fill(alpha, beta, make_asset):
    # Same primary keys in both units: the roll-up must keep them apart.
    for unit, values in ((alpha, ("6000.00", "240000.00", "3500.50")), (beta, ("9000.00", "1200.00"))):
        for i, value in enumerate(values, start=900001):
            make_asset(unit, pk=i, value=value)
        with schema_context(unit.schema_name):
            Asset.objects.filter(pk=900001).update(asset_class=Category.objects.get(name="台式计算机"),
                                                   department="办公室")
            Asset.objects.filter(pk=900002).update(status=Asset.Status.IDLE)
            depreciation_run(through=date(2025, 1, 1))


def _refresh(*units):
    for unit in units:
        unit_summary_refresh(unit=unit)


def _assert_rollup_matches_books(units):
    figures = rollup.district_figures(units)
    rows = rollup.asset_rollup(units)
    expected_total = [0, Decimal("0"), Decimal("0")]
    for unit in units:
        n, orig, net, by_status, by_dept = _books(unit)
        got = figures.unit_totals(unit)
        assert (got.count, got.original_value, got.net_value) == (n, orig, net), unit.slug
        mine = [r for r in rows if r.unit.pk == unit.pk]
        assert {s: t.count for s, t in rollup.totals_by(mine, lambda r: r.status).items()} == by_status
        assert {d: t.count for d, t in rollup.totals_by(mine, lambda r: r.department).items()} == by_dept
        assert {s: t.count for (uid, s), t in figures.by_unit_status.items() if uid == unit.pk} == by_status
        expected_total = [expected_total[0] + n, expected_total[1] + orig, expected_total[2] + net]
    total = figures.total
    assert [total.count, total.original_value, total.net_value] == expected_total
    assert sum(t.count for t in figures.by_status.values()) == expected_total[0]
    assert sum(t.count for t in figures.by_class.values()) == expected_total[0]
    assert sum(t.original_value for t in figures.by_department.values()) == expected_total[1]
    return figures, rows


def test_rollup_figures_equal_the_sum_of_the_units_after_changes_and_a_refresh(alpha, beta, make_asset,
                                                                               make_user):
    from modules.assets.services import asset_update

    _fill(alpha, beta, make_asset)
    units = rollup.rollup_units()
    assert {"alpha", "beta"} <= {u.slug for u in units}
    _refresh(*units)
    figures, rows = _assert_rollup_matches_books(units)
    assert all(figures.as_of[u.pk] is not None for u in units)  # read from the summaries
    # The desktop class in alpha: 6000 bought 2024-01-15, 13 months charged by January 2025.
    desk = [r for r in rows if r.unit.slug == "alpha" and r.class_name == "台式计算机"]
    assert sum(r.net_value for r in desk) == Decimal("6000.00") - Decimal("83.33") * 13

    # Changes in both units: the summaries still show the old books until refreshed ...
    officer = make_user(alpha, ["assets.asset_officer"])
    with schema_context(alpha.schema_name):
        asset_update(actor=officer, asset=Asset.objects.get(pk=900003), original_value=Decimal("4500.50"),
                     department="财务科")
    make_asset(beta, pk=900009, value="777.77")
    stale = rollup.district_figures(units)
    assert stale.unit_totals(beta).count == figures.unit_totals(beta).count
    # ... and match them again after the refresh (what the task queued on commit does).
    _refresh(alpha, beta)
    after, _ = _assert_rollup_matches_books(units)
    assert after.unit_totals(alpha).original_value == figures.unit_totals(alpha).original_value + 1000
    assert after.unit_totals(beta).count == figures.unit_totals(beta).count + 1
    assert after.by_department["财务科"].original_value == Decimal("4500.50")


def test_a_unit_without_a_summary_is_read_live(alpha, beta, make_asset):
    _fill(alpha, beta, make_asset)
    units = rollup.rollup_units()
    _refresh(*[u for u in units if u.pk != beta.pk])
    UnitSummaryState.objects.filter(unit=beta).delete()
    UnitAssetSummary.objects.filter(unit=beta).delete()
    figures, rows = _assert_rollup_matches_books(units)
    assert figures.as_of[beta.pk] is None and figures.as_of[alpha.pk] is not None
    assert {r.as_of is None for r in rows if r.unit.pk == beta.pk} == {True}


def test_a_refresh_touches_only_its_own_unit(alpha, beta, make_asset):
    _fill(alpha, beta, make_asset)
    _refresh(alpha, beta)
    beta_rows = sorted(UnitAssetSummary.objects.filter(unit=beta).values_list("status", "count", "original_value"))
    make_asset(alpha, value="1.00")
    _refresh(alpha)
    assert sorted(UnitAssetSummary.objects.filter(unit=beta).values_list(
        "status", "count", "original_value")) == beta_rows


def test_asset_writes_queue_one_refresh_of_their_unit_on_commit(alpha, beta, make_user, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    from modules.assets.district import tasks
    from modules.assets.services import asset_register

    sent = []
    monkeypatch.setattr(tasks.rollup_refresh, "delay", lambda unit_id: sent.append(unit_id))
    officer = make_user(alpha, ["assets.asset_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        with schema_context(alpha.schema_name):
            for name in ("扫描仪", "打印机"):  # two writes in one transaction: one task
                asset_register(actor=officer, name=name, original_value=Decimal("100.00"),
                               acquired_on=date(2026, 1, 5))
    assert sent == [alpha.pk]
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic(), schema_context(beta.schema_name):
                summary_refresh_on_commit()
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert sent == [alpha.pk]  # nothing for a rolled-back write
    with django_capture_on_commit_callbacks(execute=True):
        with schema_context(beta.schema_name):
            summary_refresh_on_commit()
    assert sent == [alpha.pk, beta.pk]


def test_the_district_page_shows_the_rollup_and_drills_down_to_a_unit(alpha, beta, make_asset, make_user,
                                                                      client_for):
    _fill(alpha, beta, make_asset)
    _refresh(alpha)  # beta has no summary: read live
    UnitSummaryState.objects.filter(unit=beta).delete()
    bureau = make_user(district_roles=["district.finance_bureau"])
    page = client_for(bureau, DISTRICT_HOST).get("/assets/")
    assert page.status_code == 200
    html = page.content.decode()
    n, orig, net, _, _ = _books(alpha)
    assert 'data-unit="alpha"' in html and f"¥{orig:,.2f}" in html and f"¥{net:,.2f}" in html
    assert "办公室" in html  # by department
    unit_page = client_for(bureau, DISTRICT_HOST).get("/assets/units/beta/")
    assert unit_page.status_code == 200
    assert "¥10,200.00" in unit_page.content.decode()  # beta's original value in all
    # "Refresh now" on the unit's page takes its summary.
    r = client_for(bureau, DISTRICT_HOST).post("/assets/refresh/", {"unit": "beta"})
    assert r.status_code == 302 and UnitSummaryState.objects.filter(unit=beta).exists()
    assert "¥10,200.00" in client_for(bureau, DISTRICT_HOST).get("/assets/units/beta/").content.decode()


def test_district_pages_refuse_unit_members_and_non_district_users(alpha, beta, make_asset, make_user, client_for):
    _fill(alpha, beta, make_asset)
    officer = make_user(alpha, ["assets.asset_officer"])
    admin = make_user(alpha, ["platform.unit_admin"])
    nobody = make_user()
    for user in (officer, admin, nobody):
        client = client_for(user, DISTRICT_HOST)
        for url in ("/assets/", "/assets/units/alpha/", "/assets/export.xlsx"):
            assert client.get(url).status_code in (403, 404), (user, url)
        assert client.post("/assets/refresh/", {"unit": "alpha"}).status_code in (403, 404)
        assert client.post("/assets/report/", {"kind": "assets.city_return"}).status_code in (403, 404)
    # The unit host has no roll-up, even for the district's own readers.
    bureau = make_user(alpha, ["assets.asset_officer"], district_roles=["district.finance_bureau"])
    assert client_for(bureau, ALPHA_HOST).get("/assets/export.xlsx").status_code == 404
    assert client_for(make_user(district_roles=["district.operator"]), DISTRICT_HOST).get(
        "/assets/units/nosuchunit/").status_code == 404
    # The roll-up reports are never offered in a unit's report list.
    page = client_for(admin, ALPHA_HOST).get("/reports/").content.decode()
    assert "上报" not in page and "区级资产汇总表" not in page
    assert client_for(admin, ALPHA_HOST).get("/reports/new/assets.city_return/").status_code == 404


def test_the_spreadsheet_holds_the_figures(alpha, beta, make_asset, make_user, client_for):
    import openpyxl

    _fill(alpha, beta, make_asset)
    _refresh(alpha, beta)
    operator = make_user(district_roles=["district.operator"])
    r = client_for(operator, DISTRICT_HOST).get("/assets/export.xlsx")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    by_unit = {row[0]: row for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    for unit in (alpha, beta):
        n, orig, net, _, _ = _books(unit)
        assert by_unit[unit.name][1:4] == (n, float(orig), float(net))
    total = list(wb.worksheets[-1].iter_rows(min_row=2, values_only=True))[0]
    figures = rollup.district_figures(rollup.rollup_units())
    assert total[1:] == (figures.total.count, float(figures.total.original_value), float(figures.total.net_value))
    assert any(row[0] == "办公室" for row in wb["按部门"].iter_rows(values_only=True)) if "按部门" in wb.sheetnames \
        else any(row[0] == "办公室" for row in wb.worksheets[3].iter_rows(values_only=True))


def test_a_formula_typed_as_a_department_stays_text_in_the_spreadsheet(alpha, beta, make_asset, make_user,
                                                                       client_for):
    import openpyxl

    make_asset(alpha, pk=900001, value="10.00")
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=900001).update(department="=HYPERLINK(\"http://x\")")
    _refresh(alpha)
    r = client_for(make_user(district_roles=["district.operator"]), DISTRICT_HOST).get("/assets/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[3]
    assert "'=HYPERLINK(\"http://x\")" in [row[0] for row in ws.iter_rows(values_only=True)]


def test_the_city_report_is_numbered_on_the_district_portal(alpha, beta, make_asset, make_user, client_for,
                                                            issued_files):
    from modules.assets.district import reports
    from zhengtong.reports.models import IssuedDocument
    from zhengtong.reports.services import document_generate

    _fill(alpha, beta, make_asset)
    _refresh(alpha, beta)
    bureau = make_user(district_roles=["district.finance_bureau"])
    client = client_for(bureau, DISTRICT_HOST)
    r = client.post("/assets/report/", {"kind": reports.CITY_RETURN, "start": "2026-01-01", "end": "2026-12-31"})
    assert r.status_code == 302
    doc = IssuedDocument.objects.get(pk=int(r["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert doc.report_key == reports.CITY_RETURN and doc.requested_by == bureau
    assert doc.parameters == {"start": "2026-01-01", "end": "2026-12-31"}
    # The worker's part, here in the test's own process and schema (public).
    from pathlib import Path

    from django_tenants.utils import tenant_context

    with tenant_context(doc_unit := __import__("tenants.models", fromlist=["Unit"]).Unit.objects.get(
            schema_name="public")):
        doc = document_generate(document_id=doc.pk)
        assert doc.status == "done", doc.error
        issued_files.append(Path(doc.file.path))
        text = pdf_text(doc.file.path)
    assert doc_unit.is_district_portal
    total = rollup.district_figures(rollup.rollup_units()).total
    assert "财政局" in text and doc.number in text and f"{total.original_value:,.2f}" in text
    assert alpha.name in text and beta.name in text


def test_disposals_and_lending_income_of_the_period_on_the_page_and_in_the_spreadsheet(
        alpha, beta, make_asset, make_user, client_for):
    import openpyxl

    from modules.assets.leasing.models import IncomeEntry, LeaseContract
    from modules.assets.services import asset_status_set

    _fill(alpha, beta, make_asset)
    officer = make_user(alpha, ["assets.asset_officer"])
    today = date.today()
    with schema_context(alpha.schema_name):
        asset_status_set(actor=officer, asset=900003, status=Asset.Status.DISPOSED, authority="approval #1",
                         decision_number="财资〔2026〕1号")
    with schema_context(beta.schema_name):
        contract = LeaseContract.objects.create(
            asset=Asset.objects.get(pk=900002), counterparty="某公司", term_start=today, term_end=today,
            rent=Decimal("3000.00"), requested_by=officer)
        IncomeEntry.objects.create(contract=contract, received_on=today, amount=Decimal("1234.56"), recorded_by=officer)
    _refresh(alpha, beta)
    bureau = make_user(district_roles=["district.finance_bureau"])
    client = client_for(bureau, DISTRICT_HOST)
    html = client.get("/assets/").content.decode()
    period = html[html.index('class="table period"'):]
    assert 'data-unit="alpha"' in period and "¥3,500.50" in period  # the disposed card's original value
    assert 'data-unit="beta"' in period and "¥1,234.56" in period
    # A period that ends before them shows none.
    earlier = client.get("/assets/", {"start": "2020-01-01", "end": "2020-12-31"}).content.decode()
    assert "¥1,234.56" not in earlier and "¥3,500.50" not in earlier[earlier.index('class="table period"'):]
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/assets/export.xlsx").content))
    rows = {r[0]: r for r in wb.worksheets[5].iter_rows(min_row=2, values_only=True)}
    assert rows[alpha.name][1:3] == (1, 3500.5) and rows[beta.name][3] == 1234.56
    # Kept by month in the summary; a unit without one is read live from its contracts.
    year = (date(today.year, 1, 1), date(today.year, 12, 31))
    assert rollup.lending_income_in_period([alpha, beta], start=year[0], end=year[1]) == {beta.pk: Decimal("1234.56")}
    UnitSummaryState.objects.filter(unit=beta).delete()
    assert rollup.lending_income_in_period([alpha, beta], start=year[0], end=year[1]) == {beta.pk: Decimal("1234.56")}


def test_an_archived_unit_leaves_the_rollup_though_its_summary_stays(alpha, beta, make_asset):
    from tenants.models import Unit

    _fill(alpha, beta, make_asset)
    _refresh(alpha, beta)
    Unit.objects.filter(pk=beta.pk).update(status=Unit.Status.ARCHIVED)
    units = rollup.rollup_units()
    assert beta.pk not in {u.pk for u in units} and UnitAssetSummary.objects.filter(unit=beta).exists()
    figures, _ = _assert_rollup_matches_books(units)
    assert beta.pk not in figures.by_unit and not any(uid == beta.pk for uid, _ in figures.by_unit_status)


def test_quota_usage_comes_with_the_summary_and_the_command_refreshes_every_unit(alpha, beta, make_asset):
    from django.core.management import call_command

    from modules.assets.models import QuotaItem

    _fill(alpha, beta, make_asset)
    with schema_context(alpha.schema_name):
        desk = Category.objects.get(name="台式计算机")
        QuotaItem.objects.create(asset_class=desk, year=2026, status=QuotaItem.Status.APPROVED, approved_quantity=0)
    UnitSummaryState.objects.filter(unit__in=[alpha, beta]).delete()
    live = [(q.unit.slug, q.class_code, q.quota, q.stock, q.over) for q in rollup.quota_usage([alpha, beta])]
    out = io.StringIO()
    call_command("assets_rollup_refresh", "alpha", "beta", stdout=out)
    assert f"unit {alpha.pk}: 3 cards" in out.getvalue() and f"unit {beta.pk}: 2 cards" in out.getvalue()
    assert UnitSummaryState.objects.filter(unit__in=[alpha, beta]).count() == 2
    from_summary = [(q.unit.slug, q.class_code, q.quota, q.stock, q.over) for q in rollup.quota_usage([alpha, beta])]
    assert from_summary == live == [("alpha", desk.code, 0, Decimal("1.00"), True)]


def _classes(alpha, beta, make_asset):
    """Cards of several classes in two units: by classification, by a class name or code typed as
    text (the import, the API and the demo write the text only), by a text outside the
    classification, and one card with no class at all."""
    for unit in (alpha, beta):
        cards = [make_asset(unit, value=v) for v in ("5000.00", "3000.00", "2000.00", "800.00", "650.00", "100.00")]
        with schema_context(unit.schema_name):
            Asset.objects.filter(pk=cards[0].pk).update(asset_class=Category.objects.get(code="30201"),
                                                        category="台式计算机")
            for card, text in zip(cards[1:5], ("办公设备", "办公设备", "30204", "教学设备"), strict=True):
                Asset.objects.filter(pk=card.pk).update(category=text)
            Asset.objects.filter(pk=cards[5].pk).update(category="")


EXPECTED_BY_CLASS = {("30201", "台式计算机"): (2, Decimal("10000.00")), ("303", "办公设备"): (4, Decimal("10000.00")),
                     ("30204", "网络设备"): (2, Decimal("1600.00")), ("", "教学设备"): (2, Decimal("1300.00")),
                     ("", ""): (2, Decimal("200.00"))}


@pytest.mark.parametrize("source", ["summary", "live"])
def test_figures_by_class_follow_the_cards_classes(alpha, beta, make_asset, source):
    _classes(alpha, beta, make_asset)
    units = [alpha, beta]
    if source == "summary":
        _refresh(alpha, beta)
    else:
        UnitSummaryState.objects.filter(unit__in=units).delete()
    figures = rollup.district_figures(units)
    assert all((figures.as_of[u.pk] is None) == (source == "live") for u in units)
    got = {key: (t.count, t.original_value) for key, t in figures.by_class.items()}
    assert got == EXPECTED_BY_CLASS
    assert figures.total.count == sum(n for n, _ in EXPECTED_BY_CLASS.values()) == 12


def test_the_district_page_shows_the_cards_under_their_classes(alpha, beta, make_asset, make_user, client_for):
    _classes(alpha, beta, make_asset)
    _refresh(alpha, beta)
    bureau = make_user(district_roles=["district.finance_bureau"])
    html = client_for(bureau, DISTRICT_HOST).get("/assets/").content.decode()
    table = html[html.index('class="table by-class"'):]
    table = table[:table.index("</table>")]
    rows = {" ".join(name.split()): int(n)
            for name, n in re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td>", table)}
    assert rows.get("303 办公设备") == 4 and rows.get("30204 网络设备") == 2 and rows.get("30201 台式计算机") == 2
    assert rows.get("教学设备") == 2
    assert rows.get("—") == 2  # only the cards that have no class at all
