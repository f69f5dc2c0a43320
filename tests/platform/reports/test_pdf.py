"""The PDF itself: what every page says, page numbers across parallel chunks, the embedded CJK
font (pdffonts, and glyphs really drawn: pdftoppm), and a URL fetcher that reads nothing but the
project's static files. No database: the pipeline is fed a TableReport directly."""
from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.utils import translation
from pypdf import PdfReader

from tests.support.documents import pdf_text
from zhengtong.reports import engine
from zhengtong.reports.content import Column, TableReport
from zhengtong.reports.layout import Geometry
from zhengtong.reports.pipeline import DocumentHeader, render_table_report

HEADER = DocumentHeader(unit_name="甲单位（测试）", title="资产登记簿", number="ALPHA-2026-000042",
                        generated_at="2026-03-05 09:30", prepared_by="张三")
COLUMNS = [Column("资产编号", 12), Column("资产名称", 15), Column("规格型号", 14), Column("原值（元）", 10, "right"),
           Column("存放地点", 12)]


def make_report(n: int, *, spec=lambda i: f"型号{i % 7}-规格", title="资产登记簿") -> TableReport:
    rows = ((f"A-{i:05d}", f"台式计算机{i}", spec(i), f"{1000 + i:,}.00", "办公楼三层301室") for i in range(1, n + 1))
    return TableReport(title=title, columns=COLUMNS, rows=rows, subtitle="截至 2026-03-05",
                       totals=["合计", f"{n} 项", "", "9,999.00", ""], summary=[("资产数量", f"{n} 项")])


def page_texts(path: Path) -> list[str]:
    return pdf_text(path).split("\f")[:-1]


def squash(text: str) -> str:
    # pdftotext drops the spaces between CJK characters and digits ("第1页/共5页").
    return re.sub(r"\s+", "", text)


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def test_every_page_says_unit_title_number_time_and_page_n_of_m_across_parallel_chunks(tmp_path):
    # 150 rows in chunks of 40 → several chunks rendered by two worker processes and merged.
    result = render_table_report(make_report(150), header=HEADER, target=tmp_path / "r.pdf", chunk_rows=40, workers=2)
    assert result.chunks >= 3 and result.passes == 1  # the plan was right: each chunk rendered once
    pages = page_texts(result.path)
    assert len(pages) == result.pages == len(PdfReader(result.path).pages) >= 5
    for n, text in enumerate(pages, start=1):
        assert "甲单位（测试）" in text and "资产登记簿" in text
        assert "文档编号：ALPHA-2026-000042" in text
        assert "生成时间：2026-03-0509:30" in squash(text)
        assert f"第{n}页/共{len(pages)}页" in squash(text), text[-300:]
    body = "".join(pages)
    # Every row once, in order, and the closing block on the last page only.
    numbers = re.findall(r"A-\d{5}", body)
    assert numbers == [f"A-{i:05d}" for i in range(1, 151)]
    assert "合计" in pages[-1] and "制表人：张三" in pages[-1] and "制表人" not in "".join(pages[:-1])


def test_a_small_report_is_one_render_numbered_by_counter_pages(tmp_path):
    result = render_table_report(make_report(3), header=HEADER, target=tmp_path / "r.pdf")
    assert (result.chunks, result.pages) == (1, 1)
    assert "第1页/共1页" in squash(page_texts(result.path)[0])
    info = PdfReader(result.path).metadata
    assert info["/ZtDocumentNumber"] == "ALPHA-2026-000042" and info["/Title"] == "资产登记簿"


def test_a_wrong_page_plan_is_caught_and_renumbered(tmp_path):
    # Plan with a smaller line height than the CSS uses: pages overflow, chunks come back with
    # more pages than planned, and the second pass prints the numbers the first one measured.
    wrong = Geometry(line_height=7.0)
    result = render_table_report(make_report(120), header=HEADER, target=tmp_path / "r.pdf", chunk_rows=40,
                                 workers=2, plan_geometry=wrong)
    assert result.passes == 2
    pages = page_texts(result.path)
    for n, text in enumerate(pages, start=1):
        assert f"第{n}页/共{len(pages)}页" in squash(text)


def test_long_values_wrap_inside_their_cell_and_the_plan_still_holds(tmp_path):
    long_spec = "联想ThinkStation P920 双路至强金牌6248R 256GB内存 2×2TB固态硬盘 NVIDIA RTX A6000 专业图形工作站" * 2
    result = render_table_report(make_report(90, spec=lambda i: long_spec if i % 9 == 0 else "型号A"),
                                 header=HEADER, target=tmp_path / "r.pdf", chunk_rows=30, workers=2)
    assert result.passes == 1
    text = "".join(page_texts(result.path))
    assert "专业图形工作站" in text and "NVIDIA" in text  # wrapped, not cut


def test_chinese_is_drawn_with_an_embedded_wenquanyi_font(tmp_path):
    result = render_table_report(make_report(5), header=HEADER, target=tmp_path / "r.pdf")
    fonts = subprocess.run(["pdffonts", str(result.path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    wqy = [r for r in rows if "WenQuanYi" in r]
    assert wqy, fonts
    # Columns: name type encoding emb sub uni object-id. Every font used is embedded.
    for r in rows:
        assert r.split()[-5] == "yes", f"font not embedded: {r}"


# A fontconfig that knows only DejaVu: no CJK font at all, as on a machine without fonts-wqy-microhei.
NO_CJK_FONTCONFIG = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>"""


def _no_cjk_env(tmp_path: Path) -> dict:
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_CJK_FONTCONFIG.format(cache=tmp_path / "fc-cache"))
    root = Path(__file__).resolve().parents[3]
    return {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": f"{root / 'platform'}:{root}"}


def _ink(png: Path, box: tuple[int, int, int, int]) -> tuple[int, bytes]:
    from PIL import Image

    region = Image.open(png).convert("L").crop(box)
    bits = bytes(1 if p < 128 else 0 for p in region.tobytes())
    return sum(bits), bits


def test_rasterised_title_shows_real_glyphs_not_boxes(tmp_path):
    """Rasterise page 1 with pdftoppm and look at the title: it must carry ink (against a render
    with an empty title), and that ink must not be what the same page looks like when the CJK
    font is missing (Pango's boxes) — which is the failure pdftotext cannot see."""
    from zhengtong.reports.layout import plan_pages
    from zhengtong.reports.pipeline import DEFAULT_GEOMETRY, chunk_html

    def html_for(title: str) -> str:
        report = make_report(3, title=title)
        plan = plan_pages(report.columns, report.rows, geo=DEFAULT_GEOMETRY, metrics=engine.font_metrics(),
                          totals=report.resolved_totals)
        return chunk_html(plan, [0], header=HEADER, report=report, summary=[], first_page=1, total_pages=None)

    def raster(pdf: Path) -> Path:
        subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(pdf.with_suffix(""))], check=True)
        return pdf.with_suffix(".png")

    (tmp_path / "t.html").write_text(html_for("资产登记簿"), "utf-8")
    (tmp_path / "blank.html").write_text(html_for("\u3000"), "utf-8")  # same layout, no ink
    engine.render_html((tmp_path / "t.html").read_text("utf-8"), tmp_path / "t.pdf", [])
    engine.render_html((tmp_path / "blank.html").read_text("utf-8"), tmp_path / "blank.pdf", [])
    # The same HTML rendered by a process whose fontconfig has no CJK font.
    code = ("import sys; from zhengtong.reports import engine; "
            "engine.render_html(open(sys.argv[1], encoding='utf-8').read(), sys.argv[2], [])")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "t.html"), str(tmp_path / "boxes.pdf")],
                   env=_no_cjk_env(tmp_path), check=True, capture_output=True)
    assert "WenQuanYi" not in subprocess.run(["pdffonts", str(tmp_path / "boxes.pdf")], capture_output=True,
                                             text=True).stdout
    # The title line: centred, just under the top margin (17 mm ≈ 48 pt; the h1 is 24 pt tall).
    box = (300, 48, 542, 74)
    ink, bits = _ink(raster(tmp_path / "t.pdf"), box)
    blank_ink, _ = _ink(raster(tmp_path / "blank.pdf"), box)
    box_ink, box_bits = _ink(raster(tmp_path / "boxes.pdf"), box)
    assert blank_ink == 0
    assert ink > 150, ink  # five 16 pt characters at 72 dpi
    # Pango draws thin boxes for the missing glyphs (seen: 363 ink pixels for the glyphs, 80 for
    # the boxes) — not what we print.
    assert 0 < box_ink * 2 < ink, (ink, box_ink)
    differing = sum(a != b for a, b in zip(bits, box_bits, strict=False))
    assert differing > ink // 2, (ink, box_ink, differing)


def test_without_the_cjk_font_the_pipeline_refuses_instead_of_printing_boxes(tmp_path):
    code = "from zhengtong.reports import engine; engine.find_font_file()"
    proc = subprocess.run([sys.executable, "-c", code], env=_no_cjk_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode != 0 and "fonts-wqy-microhei" in proc.stderr


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        body = b"body::after { content: 'FETCHED-OVER-HTTP'; }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()


def _probe_html(http_base: str, secret: Path) -> str:
    return f"""<html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/probe.css">
<link rel="stylesheet" href="{http_base}/remote.css">
<link rel="stylesheet" href="file://{secret}">
<link rel="stylesheet" href="/static/../{secret.name}">
<link rel="stylesheet" href="/static/%2e%2e/{secret.name}">
<link rel="attachment" href="file:///etc/passwd">
<style>@import url("{http_base}/imported.css");</style></head>
<body style="font-family: 'WenQuanYi Micro Hei'"><p>正文</p><img src="{http_base}/pixel.png"><img src="file:///etc/passwd">
<a rel="attachment" href="file:///etc/passwd">附件</a></body></html>"""


def test_the_url_fetcher_reads_static_files_and_fetches_nothing_else(tmp_path, http_server):
    base, hits = http_server
    static = tmp_path / "static"
    static.mkdir()
    (static / "probe.css").write_text("body::before { content: 'STATIC-OK'; }")
    secret = tmp_path / "secret.css"  # beside the static folder: reachable by "..", and by file://
    secret.write_text("p::before { content: 'LEAKED-FILE'; }")
    refused: list[str] = []
    result = engine.render_html(_probe_html(base, secret), tmp_path / "p.pdf", [str(static)])
    refused = result.refused
    text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True).stdout
    assert "STATIC-OK" in text and "正文" in text
    assert hits == []  # the network was never touched
    assert "FETCHED-OVER-HTTP" not in text and "LEAKED-FILE" not in text
    reader = PdfReader(tmp_path / "p.pdf")
    assert reader.attachments == {}
    assert b"root:" not in (tmp_path / "p.pdf").read_bytes()
    assert any(u.startswith("file:///etc/passwd") for u in refused)
    assert any(u.startswith(base) for u in refused)
    assert any("secret.css" in u for u in refused)


def test_without_the_restriction_the_same_html_would_have_leaked(tmp_path, http_server):
    # Proves the test above is meaningful: WeasyPrint's default fetcher follows all of these.
    from weasyprint import HTML

    base, hits = http_server
    secret = tmp_path / "secret.css"
    secret.write_text("p::before { content: 'LEAKED-FILE'; }")
    HTML(string=_probe_html(base, secret), base_url=str(tmp_path) + "/").write_pdf(tmp_path / "open.pdf")
    text = subprocess.run(["pdftotext", str(tmp_path / "open.pdf"), "-"], capture_output=True, text=True).stdout
    assert hits and "LEAKED-FILE" in text
    assert PdfReader(tmp_path / "open.pdf").attachments  # /etc/passwd embedded


def test_planned_row_heights_are_the_heights_weasyprint_lays_out():
    """The grid of each page is drawn from the plan (layout.grid_image), so the plan's row
    heights must be the rendered ones — single-line rows, wrapped rows and the header alike."""
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import TableRowBox

    from zhengtong.reports.layout import plan_pages
    from zhengtong.reports.pipeline import DEFAULT_GEOMETRY, chunk_html

    long_spec = "华为 FusionServer 2288H V6 双路至强 256GB 内存 4×1.92TB SSD 冗余电源 导轨" * 2
    # Also values with a carriage return and a tab, as pasted from spreadsheets.
    report = make_report(70, spec=lambda i: long_spec if i % 6 == 0 else "甲型\r\n乙型\t丙" if i % 7 == 0 else "型号A")
    plan = plan_pages(report.columns, report.rows, geo=DEFAULT_GEOMETRY, metrics=engine.font_metrics(),
                      totals=report.resolved_totals)
    html = chunk_html(plan, list(range(len(plan.pages))), header=HEADER, report=report, summary=[],
                      first_page=1, total_pages=None)
    document = HTML(string=html, base_url=engine.BASE_URL).render()
    assert len(document.pages) == len(plan.pages)

    def rows(box):
        if isinstance(box, TableRowBox):
            yield box
        for child in getattr(box, "children", ()):
            yield from rows(child)

    multi_line = 0
    for page, planned in zip(document.pages, plan.pages, strict=False):
        rendered = [r.height * 0.75 for r in rows(page._page_box)]  # CSS px → pt
        expected = [plan.header_height, *planned.heights] if planned.rows else []  # closing-only page
        assert rendered == pytest.approx(expected, abs=0.01)
        multi_line += sum(h > DEFAULT_GEOMETRY.row_height(1) for h in planned.heights)
    assert multi_line >= 10


def test_typeset_rows_keep_their_columns_to_a_tenth_of_a_point(tmp_path):
    """Data rows are typeset lines (layout.Typesetter): read the words' positions back from the
    PDF and check every column lines up — left-aligned starts, right-aligned ends."""
    from zhengtong.reports.layout import column_widths
    from zhengtong.reports.pipeline import DEFAULT_GEOMETRY as geo

    specs = ["型号A", "Dell OptiPlex 7090", "华为 擎云B730", "WWWW-MMMM-iiii", "1.6米 实木贴皮"]
    result = render_table_report(make_report(60, spec=lambda i: specs[i % len(specs)]), header=HEADER,
                                 target=tmp_path / "r.pdf")
    xml = subprocess.run(["pdftotext", "-bbox", str(result.path), "-"], capture_output=True, text=True,
                         check=True).stdout
    words = [(float(a), float(b), w) for a, b, w in
             re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', xml)]
    numbers = [x0 for x0, _, w in words if re.fullmatch(r"A-\d{5}", w)]
    money = [x1 for _, x1, w in words if re.fullmatch(r"[\d,]+\.00", w) and w != "9,999.00"]
    places = [x0 for x0, _, w in words if w == "办公楼三层301室"]
    assert len(numbers) == len(money) == len(places) == 60
    for xs in (numbers, money, places):
        assert max(xs) - min(xs) < 0.1, (min(xs), max(xs))
    widths = column_widths(COLUMNS, geo)
    left = geo.margin_side + geo.rule  # inside the table's border
    assert numbers[0] == pytest.approx(left + geo.pad_h, abs=0.2)
    assert money[0] == pytest.approx(left + sum(widths[:4]) - geo.pad_h - geo.rule, abs=0.2)
    assert places[0] == pytest.approx(left + sum(widths[:4]) + geo.pad_h, abs=0.2)
