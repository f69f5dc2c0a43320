"""The report pipeline: a TableReport → one PDF file, the same way for 5 rows and for 10,000.

1. plan pages (layout.plan_pages: cells are broken into lines and rows typeset with the font's
   own measurements, so every row's height is known, and every page number too);
2. cut the pages into chunks and write each chunk's HTML (templates/reports/pdf/table.html),
   with its first page number and the document's total page count;
3. render the chunks — in this process when there is one, otherwise in parallel worker
   processes (engine.RenderPool);
4. check each chunk has the pages planned (if not, render again with the numbers the first
   pass measured: page breaks never depend on the footer's text, so the second pass is exact);
5. merge with pypdf, set the document information, hash.

bench/pdf_report.py measures this function against a plain one-pass render.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import engine
from .content import TableReport
from .layout import Geometry, Plan, grid_image, plan_pages, split_chunks

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]  # (percent, what is happening)

DEFAULT_GEOMETRY = Geometry()


def rows_per_chunk() -> int:
    # Small enough that a render worker stays near 150 MB and the workers share the load,
    # large enough that the fixed cost of a chunk (stylesheets, fonts, a PDF of its own) stays
    # small: with typeset rows, 1,000 rows are ~35 pages and a second or two of CPU.
    return int(os.environ.get("ZT_REPORT_ROWS_PER_CHUNK", "1000"))


def render_workers() -> int:
    return max(1, int(os.environ.get("ZT_REPORT_WORKERS", "0")) or (os.cpu_count() or 1))


@dataclass(frozen=True)
class DocumentHeader:
    """What every page says about the document."""

    unit_name: str
    title: str
    number: str
    generated_at: str  # already formatted, local time
    prepared_by: str = ""


@dataclass
class RenderedPdf:
    path: Path
    pages: int
    rows: int
    sha256: str
    size: int
    chunks: int
    passes: int
    seconds: float
    refused_urls: list[str] = field(default_factory=list)


def static_roots() -> list[str]:
    """The folders the project's static files are found in: the only files a report may read."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    roots: list[str] = []
    for finder in finders.get_finders():
        for _prefix, root in getattr(finder, "locations", []):
            roots.append(str(root))
        for storage in getattr(finder, "storages", {}).values():
            if getattr(storage, "location", None):
                roots.append(str(storage.location))
    if settings.STATIC_ROOT:
        roots.append(str(settings.STATIC_ROOT))
    return [r for r in dict.fromkeys(roots) if os.path.isdir(r)]


def css_string(value: str) -> SafeString:
    """A CSS string literal, safe inside <style> (raw text: no HTML escaping applies there)."""
    value = re.sub(r"\s+", " ", str(value))  # one line; keeps the spaces around words
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace(">", "\\3e ")
    return mark_safe(f'"{value}"')


def page_counter_content(total: int | None) -> SafeString:
    """CSS ``content`` for "第 N 页 / 共 M 页" from the translated format. N is counter(page);
    M is counter(pages) when the document is one render, else the known total."""
    fmt = _("Page %(page)s of %(pages)s")
    tokens = []
    for piece in re.split(r"(%\((?:page|pages)\)s)", fmt):
        if piece == "%(page)s":
            tokens.append("counter(page)")
        elif piece == "%(pages)s":
            tokens.append("counter(pages)" if total is None else css_string(str(total)))
        elif piece:
            tokens.append(css_string(piece))
    return mark_safe(" ".join(tokens))


def chunk_html(plan: Plan, page_indexes: list[int], *, header: DocumentHeader, report: TableReport,
               summary, first_page: int, total_pages: int | None, template: str = "reports/pdf/table.html",
               extra_css: str = "") -> str:
    geo = plan.geometry
    pages = [plan.pages[i] for i in page_indexes]
    return render_to_string(template, {
        "geo": geo,
        "widths": plan.widths,
        "header_row": mark_safe(plan.header_html),
        "pages": [{"rows": mark_safe("".join(p.rows)), "has_rows": bool(p.rows), "masthead": p.has_masthead,
                   "closing": p.has_closing, "grid": mark_safe(grid_image(plan, p))} for p in pages],
        "pad_bottom": geo.pad_v + geo.rule,
        "doc": header,
        "report": report,
        "summary": summary,
        "first_page_reset": first_page if first_page > 1 else None,
        "css": {
            "unit": css_string(header.unit_name),
            "title": css_string(header.title),
            "number": css_string(_("Document no. %(number)s") % {"number": header.number}),
            "generated": css_string(_("Generated %(time)s") % {"time": header.generated_at}),
            "pages": page_counter_content(total_pages),
            "font": css_string(engine.CJK_FONT_FAMILY),
        },
        "extra_css": mark_safe(extra_css),
    })


def render_table_report(report: TableReport, *, header: DocumentHeader, target: str | os.PathLike,
                        progress: Progress | None = None, geometry: Geometry = DEFAULT_GEOMETRY,
                        plan_geometry: Geometry | None = None, chunk_rows: int | None = None,
                        workers: int | None = None) -> RenderedPdf:
    """Render ``report`` into the PDF file ``target``.

    ``plan_geometry`` exists for tests of the safety net: planning with other measurements
    than the CSS uses makes the plan wrong on purpose, and the second pass must fix the numbers.
    """
    started = time.perf_counter()
    progress = progress or (lambda pct, phase: None)
    chunk_rows = chunk_rows or rows_per_chunk()
    workers = workers or render_workers()
    metrics = engine.font_metrics()  # fails loudly if the CJK font is missing
    roots = static_roots()
    workdir = Path(tempfile.mkdtemp(prefix="zt-report-"))
    pool: engine.RenderPool | None = None
    try:
        if (report.expected_rows or 0) > chunk_rows and workers > 1:
            # Start the render processes now: they import WeasyPrint while the rows are read.
            pool = engine.RenderPool(workers, roots).__enter__()

        progress(2, _("Laying out pages"))
        plan = plan_pages(report.columns, report.rows, geo=plan_geometry or geometry, metrics=metrics,
                          totals=report.resolved_totals)
        plan.geometry = geometry
        summary = list(report.resolved_summary())
        chunks = split_chunks(plan, chunk_rows, workers)
        planned = [len(c) for c in chunks]

        def write_chunks(counts: list[int]) -> list[tuple[str, str]]:
            total = sum(counts)
            jobs, first = [], 1
            for i, pages in enumerate(chunks):
                html = chunk_html(plan, pages, header=header, report=report, summary=summary, first_page=first,
                                  total_pages=None if len(chunks) == 1 else total)
                html_path = workdir / f"chunk-{i:04d}.html"
                html_path.write_text(html, "utf-8")
                jobs.append((str(html_path), str(workdir / f"chunk-{i:04d}.pdf")))
                first += counts[i]
            return jobs

        def render(jobs: list[tuple[str, str]], pass_no: int) -> list[engine.ChunkResult]:
            nonlocal pool
            label = _("Rendering pages") if pass_no == 1 else _("Renumbering pages")
            done = [0]

            def on_done(index: int, result: engine.ChunkResult) -> None:
                done[0] += 1
                progress(5 + int(85 * done[0] / len(jobs)), f"{label} ({done[0]}/{len(jobs)})")

            progress(5, f"{label} (0/{len(jobs)})")
            if len(jobs) == 1:
                html_path, pdf_path = jobs[0]
                result = engine.render_html(Path(html_path).read_text("utf-8"), pdf_path, roots)
                on_done(0, result)
                return [result]
            if pool is None:
                pool = engine.RenderPool(min(workers, len(jobs)), roots).__enter__()
            return pool.run(jobs, on_done)

        results = render(write_chunks(planned), 1)
        passes = 1
        actual = [r.pages for r in results]
        if actual != planned:
            # The plan was wrong somewhere (see layout.py): the pages each chunk really has are
            # now known, and they do not depend on the numbers printed in the margins.
            log.warning("report %s: planned pages %s, rendered %s; renumbering", header.number, planned, actual)
            results = render(write_chunks(actual), 2)
            passes = 2
            if [r.pages for r in results] != actual:
                raise engine.RenderError("page count changed between two renders of the same chunks")
        if pool is not None:
            pool.__exit__(None, None, None)
            pool = None
        progress(92, _("Assembling the document"))
        metadata = {"/Title": header.title, "/Author": header.unit_name, "/Subject": header.number,
                    "/Keywords": header.number, "/Creator": "政通 Zhengtong", "/ZtDocumentNumber": header.number}
        pages = engine.merge_pdfs([r.pdf for r in results], target, metadata)
    finally:
        if pool is not None:
            pool.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    digest = hashlib.sha256()
    with open(target, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    refused = [url for r in results for url in r.refused]
    return RenderedPdf(path=Path(target), pages=pages, rows=plan.row_count, sha256=digest.hexdigest(),
                       size=os.path.getsize(target), chunks=len(chunks), passes=passes,
                       seconds=time.perf_counter() - started, refused_urls=refused)
