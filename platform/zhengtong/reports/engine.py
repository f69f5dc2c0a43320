"""HTML → PDF with WeasyPrint: one render, or many chunks in parallel processes merged with pypdf.

This module imports nothing from Django on purpose: it is also the render worker's program
(``python engine.py --worker``). The pipeline starts a few workers for a large report and
stops them when the report is done, so WeasyPrint's memory goes back to the system instead of
staying in a long-lived Celery child.

Also here: the font metrics the page planner measures text with (the same font file
WeasyPrint's Pango uses, so a line measured here is a line there), and the URL fetcher that
lets a report read the project's static files and nothing else.
"""
from __future__ import annotations

import json
import logging
import mimetypes
import os
import queue
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The CJK font is named explicitly everywhere (body and @page margin boxes): Pango's own
# fallback may pick a font without CJK glyphs and print boxes that pdftotext still reads.
CJK_FONT_FAMILY = "WenQuanYi Micro Hei"
# Reports refer to static files as /static/…; relative URLs resolve against this origin,
# which the fetcher maps to files on disk. ".invalid" never resolves (RFC 2606), and the
# fetcher never opens a socket anyway.
STATIC_ORIGIN = "https://static.zhengtong.invalid"
BASE_URL = STATIC_ORIGIN + "/"

log = logging.getLogger("zhengtong.reports.engine")


class RenderError(RuntimeError):
    pass


# ------------------------------------------------------------------ fonts and text measuring


def find_font_file(family: str = CJK_FONT_FAMILY) -> tuple[str, int]:
    """(path, index in a .ttc) of ``family`` as fontconfig — and so Pango — resolves it."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{family}", family], capture_output=True,
                             text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(f"fontconfig (fc-match) is not available: {exc}") from exc
    path, index, families = out.split("|", 2)
    if family.lower() not in families.lower():
        raise RenderError(
            f"The CJK font {family!r} is not installed (fontconfig offers {families.split(',')[0]!r}); "
            "install fonts-wqy-microhei, or Chinese would print as boxes.")
    return path, int(index or 0)


class FontMetrics:
    """Advance widths of one font, to measure text the way HarfBuzz lays it out (without
    kerning, which only narrows Latin pairs: measurements err on the wide, safe side)."""

    def __init__(self, path: str, index: int = 0):
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=index, lazy=True)
        upm = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        self.advance_em = {cp: metrics[glyph][0] / upm for cp, glyph in font.getBestCmap().items()}
        font.close()
        self._widths: dict[str, float] = {}  # em widths of strings seen (reports repeat values a lot)

    def width(self, text: str, size: float) -> float:
        em = self._widths.get(text)
        if em is None:
            adv = self.advance_em
            # A character the font lacks is drawn by a fallback font: count it generously.
            em = sum(adv.get(ord(c), 1.2) for c in text)
            if len(self._widths) > 200_000:
                self._widths.clear()
            self._widths[text] = em
        return em * size


@lru_cache(maxsize=4)
def font_metrics(family: str = CJK_FONT_FAMILY) -> FontMetrics:
    return FontMetrics(*find_font_file(family))


def _breaks_anywhere(ch: str) -> bool:
    # CJK ideographs, kana, hangul, full-width forms and CJK punctuation: a line may break
    # before or after each of them (UAX #14 classes ID/CJ, close enough for planning).
    cp = ord(ch)
    return (0x2E80 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF
            or 0xFE30 <= cp <= 0xFE4F or 0xFF00 <= cp <= 0xFFEF or cp >= 0x20000)


def _units(text: str) -> Iterable[str]:
    """Split ``text`` into unbreakable pieces: one CJK character, a run of spaces, or a word."""
    word = []
    for ch in text:
        if _breaks_anywhere(ch) or ch == " ":
            if word:
                yield "".join(word)
                word = []
            yield ch
        else:
            word.append(ch)
    if word:
        yield "".join(word)


def wrap_text(text: str, width: float, size: float, metrics: FontMetrics, max_lines: int) -> list[str]:
    """Greedy line breaking of ``text`` into lines no wider than ``width`` (pt).

    The result is printed as is (cells do not wrap by themselves), so the number of lines —
    and the height of every row — is known before WeasyPrint sees the page. Words longer
    than a line are cut between characters. More than ``max_lines`` lines end with "…", so
    that one absurd value cannot make a row taller than a page.
    """
    lines: list[str] = []
    for paragraph in (text or "").replace("\r", "").replace("\t", " ").split("\n"):
        current, current_w = "", 0.0
        for unit in _units(paragraph):
            w = metrics.width(unit, size)
            if current_w + w <= width:
                current, current_w = current + unit, current_w + w
                continue
            if unit == " ":  # a space at the end of a line disappears
                lines.append(current)
                current, current_w = "", 0.0
                continue
            if current:
                lines.append(current.rstrip())
                current, current_w = "", 0.0
            if w <= width:
                current, current_w = unit.lstrip(), metrics.width(unit.lstrip(), size)
                continue
            for ch in unit:  # a word wider than the column
                cw = metrics.width(ch, size)
                if current and current_w + cw > width:
                    lines.append(current)
                    current, current_w = "", 0.0
                current, current_w = current + ch, current_w + cw
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and metrics.width(last + "…", size) > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines or [""]


# ------------------------------------------------------------------ fetching only static files


def static_only_fetcher(static_roots: Sequence[str | os.PathLike], refused: list[str] | None = None):
    """A WeasyPrint URL fetcher that serves ``/static/…`` from ``static_roots`` and refuses
    everything else: no network, no file:// (not even inside the roots), no attachments from
    disk. ``data:`` URLs carry their bytes inline and are decoded without any I/O."""
    from urllib import request as urllib_request

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [Path(r).resolve() for r in static_roots]

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                resp = urllib_request.DataHandler().data_open(urllib_request.Request(url))
                return URLFetcherResponse(url, resp.read(), dict(resp.headers))
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" == STATIC_ORIGIN and parts.path.startswith("/static/"):
                relative = unquote(parts.path[len("/static/"):])
                for root in roots:
                    candidate = (root / relative).resolve()
                    # resolve() follows "..", symlinks included: stay inside the root.
                    if candidate.is_relative_to(root) and candidate.is_file():
                        mime = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, candidate.read_bytes(), {"Content-Type": mime})
            if refused is not None:
                refused.append(url)
            raise ValueError(f"Reports may only use the project's static files; refused {url!r}")

    return StaticOnlyFetcher(timeout=1, allowed_protocols=())


# ------------------------------------------------------------------ rendering


@dataclass
class ChunkResult:
    pdf: str
    pages: int
    seconds: float
    refused: list[str] = field(default_factory=list)


# The part of WeasyPrint's HTML5 user-agent stylesheet that reports use. The full one gives every
# element three pseudo-element styles (::marker, ::footnote-call, ::footnote-marker) and tests
# dozens of attribute selectors ([dir], [hidden], …) against each of them; in a 10,000-row table
# that is about a seventh of the render time, for rules no report needs.
REPORT_UA_CSS = """
head, link, meta, script, style, template, title { display: none }
html, body, div, p, h1, h2, h3, section, header, footer, main, article, ul, ol, dl, dt, dd, figure,
figcaption, blockquote, pre, hr, address, nav { display: block }
li { display: list-item }
table { display: table; box-sizing: border-box; border-spacing: 2px; border-collapse: separate;
        text-indent: initial; border-color: gray }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group; vertical-align: middle }
tbody { display: table-row-group; vertical-align: middle }
tfoot { display: table-footer-group; vertical-align: middle }
tr { display: table-row; vertical-align: inherit }
td, th { display: table-cell; padding: 1px; vertical-align: inherit }
b, strong, th { font-weight: bold }
em, i { font-style: italic }
code, pre { font-family: monospace }
pre { white-space: pre }
body { margin: 8px }
p, ul, ol, dl, pre, blockquote, figure { margin-top: 1em; margin-bottom: 1em }
ul, ol { padding-left: 40px }
h1 { font-size: 2em; font-weight: bold; margin-top: .67em; margin-bottom: .67em }
h2 { font-size: 1.5em; font-weight: bold; margin-top: .83em; margin-bottom: .83em }
h3 { font-size: 1.17em; font-weight: bold; margin-top: 1em; margin-bottom: 1em }
h1, h2, h3 { break-after: avoid; break-inside: avoid }
small, sub, sup { font-size: smaller }
sub { vertical-align: sub }
sup { vertical-align: super }
br::before { content: "\\A"; white-space: pre-line }
hr { border-style: inset; border-width: 1px; color: gray; margin: .5em auto }
img, svg { overflow: hidden }
@page {
  margin: 75px;
  @top-left { text-align: left; vertical-align: middle }
  @top-center { text-align: center; vertical-align: middle }
  @top-right { text-align: right; vertical-align: middle }
  @bottom-left { text-align: left; vertical-align: middle }
  @bottom-center { text-align: center; vertical-align: middle }
  @bottom-right { text-align: right; vertical-align: middle }
}
"""


@lru_cache(maxsize=1)
def _report_html_class():
    from weasyprint import CSS, HTML

    ua = CSS(string=REPORT_UA_CSS)

    class ReportHTML(HTML):
        # WeasyPrint asks the document for its user-agent stylesheets (weasyprint 70, pinned).
        def _ua_stylesheets(self, forms=False):
            return [ua]

    return ReportHTML


def render_html(html: str, target: str | os.PathLike, static_roots: Sequence[str]) -> ChunkResult:
    """One WeasyPrint render of ``html`` into ``target``."""
    started = time.perf_counter()
    refused: list[str] = []
    fetcher = static_only_fetcher(static_roots, refused)
    document = _report_html_class()(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    pages = len(document.pages)
    document.write_pdf(str(target))
    del document
    return ChunkResult(str(target), pages, time.perf_counter() - started, refused)


def _worker_main(static_roots: list[str]) -> None:
    """Render worker: one JSON job per stdin line ({"html": path, "pdf": path}), one JSON
    reply per stdout line. Exits at end of input."""
    logging.basicConfig(level=logging.ERROR)  # refused URLs are reported in the reply
    import gc

    # Import WeasyPrint and let fontconfig and Pango load the CJK font now, while the parent is
    # still reading and planning the rows, not during the first chunk.
    _report_html_class()(string=f'<p style="font-family: \'{CJK_FONT_FAMILY}\'">预热 warm-up</p>').render().write_pdf()

    # A render allocates millions of small objects that live until it ends; the default
    # collector thresholds make CPython walk them again and again. Collect rarely during a
    # chunk, and fully after it.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)

    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            html = Path(job["html"]).read_text("utf-8")
            result = render_html(html, job["pdf"], static_roots)
            reply = {"pdf": result.pdf, "pages": result.pages, "seconds": result.seconds,
                     "refused": result.refused,
                     "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
        except Exception as exc:  # reported to the parent, which fails the report
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        gc.collect()
        out.write(json.dumps(reply) + "\n")
        out.flush()


def _absolute_pythonpath() -> dict[str, str]:
    """The environment for a render worker, with PYTHONPATH's relative entries made absolute:
    the worker runs in this folder, where a relative "." would put our selectors.py in front
    of the standard library's again."""
    env = dict(os.environ)
    entries = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if entries:
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in entries)
    return env


class RenderPool:
    """A few render worker processes fed from one queue of chunk jobs.

    Plain subprocesses rather than multiprocessing: the pool also runs inside Celery's
    prefork children (daemonic, and not allowed multiprocessing children), and a fresh
    interpreter inherits no open database connection or thread from its parent.
    """

    def __init__(self, workers: int, static_roots: Sequence[str]):
        self.workers = max(1, workers)
        self.static_roots = [str(r) for r in static_roots]
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> RenderPool:
        for _ in range(self.workers):
            self.procs.append(subprocess.Popen(
                # -P: do not put this folder on sys.path, where our selectors.py would
                # shadow the standard library's (subprocess imports it).
                [sys.executable, "-P", __file__, "--worker", json.dumps(self.static_roots)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
                cwd=str(Path(__file__).parent), env=_absolute_pythonpath()))
        return self

    def kill(self) -> None:
        """Stop the workers now (the report failed): nothing of theirs is wanted any more."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def run(self, jobs: Sequence[tuple[str, str]], on_done: Callable[[int, ChunkResult], None]) -> list[ChunkResult]:
        """Render every (html path, pdf path) job; ``on_done(index, result)`` runs in the calling
        thread as each finishes (it may touch the database). Results come back in job order."""
        todo: queue.Queue = queue.Queue()
        for i, job in enumerate(jobs):
            todo.put((i, job))
        done: queue.Queue = queue.Queue()

        def feed(proc: subprocess.Popen) -> None:
            while True:
                try:
                    i, (html, pdf) = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    proc.stdin.write(json.dumps({"html": html, "pdf": pdf}) + "\n")
                    proc.stdin.flush()
                    line = proc.stdout.readline()
                except OSError as exc:
                    line = json.dumps({"error": f"worker pipe broken: {exc}"})
                reply = json.loads(line) if line else {"error": f"render worker exited ({proc.poll()})"}
                done.put((i, reply))
                if "error" in reply:
                    return

        threads = [threading.Thread(target=feed, args=(p,), daemon=True) for p in self.procs]
        for t in threads:
            t.start()
        results: list[ChunkResult | None] = [None] * len(jobs)
        for _ in range(len(jobs)):
            i, reply = done.get()
            if "error" in reply:
                for p in self.procs:
                    p.kill()
                raise RenderError(f"chunk {i + 1} of {len(jobs)} failed: {reply['error']}")
            results[i] = ChunkResult(reply["pdf"], reply["pages"], reply["seconds"], reply.get("refused", []))
            on_done(i, results[i])
        for t in threads:
            t.join()
        return results  # type: ignore[return-value]


def merge_pdfs(parts: Sequence[str], target: str | os.PathLike, metadata: dict[str, str]) -> int:
    """Concatenate ``parts`` into ``target`` and set the document information; returns pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(part)
    writer.add_metadata(metadata)
    with open(target, "wb") as fh:
        writer.write(fh)
    return len(writer.pages)


if __name__ == "__main__" and len(sys.argv) >= 2 and sys.argv[1] == "--worker":
    _worker_main(json.loads(sys.argv[2]) if len(sys.argv) > 2 else [])
