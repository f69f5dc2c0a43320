"""Personnel figures: inflow/outflow by period, department and type; establishment usage;
secondments outstanding; charts drawn as SVG on the server (so they print, and WeasyPrint
draws them into a PDF with the CJK font); PDF reports and xlsx exports with the same figures;
the district HR bureau sees per-unit counts only."""
from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django_tenants.utils import schema_context, tenant_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from tests.support.documents import pdf_text
from tests.support.personnel import transfer_issued

SVG = "{http://www.w3.org/2000/svg}"


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def test_bar_and_line_charts_are_plain_svg_with_escaped_labels():
    from modules.personnel import charts

    chart = charts.Chart(title="各部门人员流动", categories=["办公室", "<script>alert(1)</script>", "财务科"],
                         series=[charts.Series("流入", [3, 0, 7]), charts.Series("流出", [1, 2, 0])])
    bar = charts.bar_chart(chart)
    assert "<script>" not in bar and "&lt;script&gt;" in bar
    texts = _svg_texts(bar)
    assert "各部门人员流动" in texts and "办公室" in texts and "流入" in texts and "流出" in texts
    root = ET.fromstring(bar)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == 6
    heights = [float(r.get("height")) for r in bars]
    # 7 is the tallest bar, 0 draws nothing; the axis tops at 10 (a round number above 7)
    assert max(heights) == heights[2] and heights[1] == 0
    assert "10" in texts and charts.nice_ceiling(7) == 10 and charts.nice_ceiling(23) == 50
    line = charts.line_chart(charts.Chart(title="按月", categories=["2026-01", "2026-02"],
                                          series=[charts.Series("流入", [1, 4])]))
    root = ET.fromstring(line)
    points = root.find(f"{SVG}polyline").get("points").split()
    assert len(points) == 2 and float(points[1].split(",")[1]) < float(points[0].split(",")[1])  # 4 drawn higher
    # head counts read in whole people: one move gives an axis 0–4, not 0, 0.25, 0.5 …
    one = _svg_texts(charts.line_chart(charts.Chart(title="t", categories=["a", "b"],
                                                    series=[charts.Series("流入", [0, 1])])))
    assert {"0", "1", "2", "3", "4"} <= set(one) and not any("." in t for t in one)


def test_charts_print_into_a_pdf_with_the_cjk_font(tmp_path):
    from modules.personnel import charts
    from zhengtong.reports import engine

    svg = charts.bar_chart(charts.Chart(title="编制使用情况", categories=["教务处", "办公室"],
                                        series=[charts.Series("编制数", [5, 3]), charts.Series("在编", [4, 3])]))
    html = f'<html><body style="font-family: \'{engine.CJK_FONT_FAMILY}\'">{svg}</body></html>'
    out = tmp_path / "chart.pdf"
    engine.render_html(html, str(out), [])
    text = pdf_text(out, layout=False)
    for label in ("编制使用情况", "教务处", "办公室", "编制数", "在编"):
        assert label in text, label
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts


@pytest.fixture
def moved(alpha, beta, exchange):
    """One cross-unit transfer completed: an outflow in alpha, an inflow in beta."""
    from modules.personnel.exchange.services import exchange_accept
    from modules.personnel.models import Post

    ex = exchange
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=3)
    t = transfer_issued(ex, alpha, beta)
    exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, department_id=ex.beta_dept.pk,
                    post_id=ex.beta_post.pk)
    return ex


def test_flows_and_establishment_figures_after_a_move(alpha, beta, moved):
    from modules.personnel.reports import figures

    today = date.today()
    month = f"{today.year}-{today.month:02d}"
    with schema_context(alpha.schema_name):
        f = figures.flows(date(today.year, 1, 1), today)
        assert f.total_out == 1 and f.total_in == 0
        assert f.outflow_by_month[f.months.index(month)] == 1
        assert ("办公室", 0, 1, 0) in f.by_department
        assert any(k == "流出" or "Outflow" in k for k, _, n in f.by_kind)
        usage = {(r.department, r.post): r for r in figures.establishment_usage()}
        assert usage[("办公室", "文秘")].occupied == 0 and usage[("办公室", "文秘")].vacancy == 3
    with schema_context(beta.schema_name):
        f = figures.flows(date(today.year, 1, 1), today)
        assert f.total_in == 1 and f.inflow_by_month[f.months.index(month)] == 1
        assert ("教务处", 1, 0, 0) in f.by_department
        row = {(r.department, r.post): r for r in figures.establishment_usage()}[("教务处", "教务员")]
        assert (row.establishment, row.occupied, row.vacancy, row.usage_percent) == (3, 2, 1, "66.7%")


def test_figures_page_shows_svg_charts_to_hr_and_the_leader_only(alpha, beta, moved, client_for, make_user):
    page = client_for(moved.beta_hr, BETA_HOST).get("/m/personnel/figures/")
    assert page.status_code == 200
    html = page.content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 3
    assert "教务处" in _svg_texts(svgs[1]) and "教务处" in _svg_texts(svgs[2])
    assert client_for(moved.beta_leader, BETA_HOST).get("/m/personnel/figures/").status_code == 200
    staff = make_user(beta, [])
    assert client_for(staff, BETA_HOST).get("/m/personnel/figures/").status_code == 404


def test_moves_export_and_pdf_reports(alpha, beta, moved, client_for, make_user):
    from zhengtong.reports.services import document_generate, document_request

    c = client_for(moved.alpha_hr, ALPHA_HOST)
    r = c.get("/imports/export/personnel.movements.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0][:4] == ["生效日期", "姓名", "方向", "类型"]
    assert rows[1][1] == "王晓梅" and rows[1][2] == "流出" and rows[1][4] == "办公室" and rows[1][8] == "乙单位"
    # staff without HR rights get no unit-wide export
    staff_client = client_for(make_user(alpha, []), ALPHA_HOST)
    assert staff_client.get("/imports/export/personnel.movements.xlsx").status_code == 403

    made = []
    try:
        texts = {}
        flows = {"start": f"{date.today().year}-01-01", "end": date.today().isoformat()}
        for key, params in (("personnel.flows", flows),
                            ("personnel.establishment", {}), ("personnel.secondments", {})):
            doc = document_request(actor=moved.alpha_hr, unit=alpha, report_key=key, parameters=params)
            with tenant_context(alpha):
                doc = document_generate(document_id=doc.pk)
            assert doc.status == "done", doc.error
            made.append(Path(doc.file.path))
            texts[key] = pdf_text(doc.file.path)
        assert "人员流入流出统计" in texts["personnel.flows"] and "流出1" in texts["personnel.flows"].replace(" ", "")
        assert "调出" in texts["personnel.flows"] or "Transfer out" in texts["personnel.flows"]
        est = re.sub(r"\s+", " ", texts["personnel.establishment"])
        assert "编制使用情况" in est and "办公室 文秘" in est
        assert "借调人员情况" in texts["personnel.secondments"] and "0人" in texts["personnel.secondments"]
    finally:
        for p in made:
            p.unlink(missing_ok=True)


def test_district_rollup_counts_per_unit_without_records(alpha, beta, moved, client_for):
    c = client_for(moved.district_hr, DISTRICT_HOST)
    html = c.get("/personnel/rollup/").content.decode()
    assert "甲单位" in html and "乙单位" in html
    assert "王晓梅" not in html  # counts only
    from modules.personnel.reports.figures import district_rollup

    rows, total = district_rollup()
    by_unit = {r.unit.slug: r for r in rows}
    assert (by_unit["alpha"].outflow, by_unit["alpha"].inflow) == (1, 0)
    assert (by_unit["beta"].inflow, by_unit["beta"].in_post) == (1, 2)
    assert total.inflow == total.outflow == 1
