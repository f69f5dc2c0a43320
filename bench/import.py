"""Importing 100,000 asset cards from one xlsx file: the project's importer versus
django-import-export on the same file.

    .venv/bin/python bench/import.py [--rows 100000] [--baseline-rows 10000]

The bench makes its own database, onboards two units (one per importer), 50 custodians
in each, and writes the xlsx the way Excel saves one (shared strings, the sheet's
dimension; see make_workbook). Each importer runs in a fresh child process, so its peak
RSS is its own.

- ours: the path a Celery worker takes for a large upload (ImportJob →
  zhengtong.imports.services.import_job_run): openpyxl read-only streaming, every cell
  converted and checked, custodians resolved in one query, natural keys checked against
  the database, bulk_create in batches of 2,000, two guardian object permissions per
  asset with a custodian, audit records. All or nothing, in one transaction.
- django-import-export 4.4.3: a ModelResource over the same columns (asset number as
  import id, custodian via ForeignKeyWidget on email), Dataset loaded from the same xlsx,
  import_data(use_transactions=True). No object permissions, no audit: it does less.
  Saving row by row is slow, so by default it imports the first --baseline-rows rows
  of the loaded file and the import time is extrapolated linearly to all rows (the
  output says so); --baseline-rows equal to --rows runs it in full.

Prints seconds and peak memory of each and the ratio. Target: ours ≥ 10× faster and
≤ 60 s for 100,000 rows.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from _setup import drop_database, fresh_database

DB = "zt_bench_import"
HEADERS = ["资产编号", "资产名称", "资产分类", "规格型号", "原值（元）", "取得日期", "使用部门", "存放地点",
           "使用人邮箱"]
NAMES = ["台式计算机", "笔记本电脑", "激光打印机", "办公桌", "文件柜", "投影仪", "空调", "服务器", "交换机", "会议桌"]
CLASSES = ["通用设备", "专用设备", "家具、用具及装具", "图书、档案"]
DEPARTMENTS = ["办公室", "财务科", "人事科", "信息中心", "后勤服务中心", "教务处"]
CUSTODIANS = 50


def custodian_email(i: int) -> str:
    return f"holder{i:02d}@bench.cn"


def bench_rows(rows: int):
    for i in range(rows):
        yield [
            f"BJ-{2015 + i % 10}-{i:06d}", NAMES[i % len(NAMES)], CLASSES[i % len(CLASSES)], f"型号-{i % 997}",
            round(100 + (i * 7919) % 900_000 / 10, 2), date(2015 + i % 10, 1 + i % 12, 1 + i % 28),
            DEPARTMENTS[i % len(DEPARTMENTS)], f"{1 + i % 9}号楼{100 + i % 50}室",
            custodian_email(i % CUSTODIANS) if i % 3 else None,
        ]


def make_workbook(path: Path, rows: int) -> None:
    """Write the file in the layout Excel and WPS save: text in a shared-strings table,
    the sheet's <dimension>, dates as serial numbers with a date style.

    openpyxl itself writes every text cell inline and reads such files about twice as
    slowly as Excel's own, so the sheet is written here directly; openpyxl makes the
    rest of the package (styles, workbook, relationships), and the file is read back
    with openpyxl to check it before timing anything.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    base = openpyxl.Workbook()
    ws = base.active
    ws.title = "资产卡片"
    ws.append(HEADERS)
    ws.append(next(bench_rows(1)))
    buf = io.BytesIO()
    base.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    sample = src.read("xl/worksheets/sheet1.xml").decode()
    date_style = re.search(r'<c r="F2" s="(\d+)"', sample).group(1)  # the style openpyxl gave the date

    strings: dict[str, int] = {}

    def text(value: str) -> int:
        return strings.setdefault(value, len(strings))

    letters = [get_column_letter(c) for c in range(1, len(HEADERS) + 1)]
    epoch = date(1899, 12, 30)
    out = ['<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
           f'<dimension ref="A1:{letters[-1]}{rows + 1}"/><sheetData>']
    for r, values in enumerate([HEADERS, *bench_rows(rows)], start=1):
        cells = []
        for letter, v in zip(letters, values, strict=False):
            if v is None:
                continue
            if isinstance(v, str):
                cells.append(f'<c r="{letter}{r}" t="s"><v>{text(v)}</v></c>')
            elif isinstance(v, date):
                cells.append(f'<c r="{letter}{r}" s="{date_style}"><v>{(v - epoch).days}</v></c>')
            else:
                cells.append(f'<c r="{letter}{r}"><v>{v}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    sst = [f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">']
    sst += [f"<si><t>{escape(s)}</t></si>" for s in strings]
    sst.append("</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = "".join(out).encode()
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSharedStrings" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            dst.writestr(info.filename, body)
        dst.writestr("xl/sharedStrings.xml", "".join(sst))
    check = openpyxl.load_workbook(path, read_only=True)
    first = next(check.worksheets[0].iter_rows(min_row=2, max_row=2, values_only=True))
    expected = next(bench_rows(1))
    assert list(first[:5]) == expected[:5] and first[5].date() == expected[5] and first[8] == expected[8], first
    check.close()


# --------------------------------------------------------------------------- children

def peak_rss_mb() -> float:
    """This process's peak resident memory. (getrusage's ru_maxrss survives exec on Linux,
    so a child would report its parent's peak; VmHWM belongs to this process image.)"""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class CpuClock:
    """CPU seconds of this process and of its PostgreSQL backend: on a shared machine the
    wall clock mostly measures the neighbours, CPU time measures the work."""

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.backend = cur.fetchone()[0]
        self.py0, self.pg0 = time.process_time(), self._pg()

    def _pg(self) -> float:
        fields = open(f"/proc/{self.backend}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def read(self) -> dict:
        return {"python_cpu": time.process_time() - self.py0, "postgres_cpu": self._pg() - self.pg0}


def child_setup(schema: str):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengtong.settings.dev")
    os.environ.setdefault("ZT_LOG_LEVEL", "ERROR")
    django.setup()
    from django.db import connection

    from tenants.models import Unit

    connection.set_tenant(Unit.objects.get(schema_name=schema))


def run_ours(path: Path, schema: str) -> dict:
    child_setup(schema)
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from modules.assets.models import Asset
    from zhengtong.accounts.models import User
    from zhengtong.imports.models import ImportJob
    from zhengtong.imports.services import import_job_run

    officer = User.objects.get(email="officer@bench.cn")
    start_rss = peak_rss_mb()
    clock = CpuClock()
    started = time.perf_counter()
    data = path.read_bytes()
    # What import_job_create stores for a large upload; the Celery task then calls
    # import_job_run(job_id) — here called directly, in this process.
    job = ImportJob(definition_key="assets.asset", original_name=path.name, size=len(data), sha256="bench",
                    created_by=officer, created_at=timezone.now(), run_in_background=True)
    job.file.save(path.name, ContentFile(data), save=False)
    job.save()
    job = import_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **clock.read(), "peak_rss_mb": peak_rss_mb(), "start_rss_mb": start_rss,
            "status": job.status,
            "created": job.created_count, "problems": job.error_count, "errors": job.errors[:3],
            "assets_in_unit": Asset.objects.count()}


def run_baseline(path: Path, schema: str, rows: int) -> dict:
    child_setup(schema)
    import tablib
    from import_export import fields, resources, widgets

    from modules.assets.models import Asset
    from zhengtong.accounts.models import User

    class AssetResource(resources.ModelResource):
        number = fields.Field(attribute="number", column_name="资产编号")
        name = fields.Field(attribute="name", column_name="资产名称")
        category = fields.Field(attribute="category", column_name="资产分类")
        spec = fields.Field(attribute="spec", column_name="规格型号")
        original_value = fields.Field(attribute="original_value", column_name="原值（元）",
                                      widget=widgets.DecimalWidget())
        acquired_on = fields.Field(attribute="acquired_on", column_name="取得日期", widget=widgets.DateWidget())
        department = fields.Field(attribute="department", column_name="使用部门")
        location = fields.Field(attribute="location", column_name="存放地点")
        custodian = fields.Field(attribute="custodian", column_name="使用人邮箱",
                                 widget=widgets.ForeignKeyWidget(User, field="email"))

        class Meta:
            model = Asset
            import_id_fields = ("number",)
            fields = ("number", "name", "category", "spec", "original_value", "acquired_on", "department",
                      "location", "custodian")
            use_transactions = True

    start_rss = peak_rss_mb()
    clock = CpuClock()
    started = time.perf_counter()
    with open(path, "rb") as f:
        dataset = tablib.Dataset().load(f, format="xlsx")
    loaded = time.perf_counter()
    load_cpu = clock.read()
    total_rows = dataset.height
    if rows < total_rows:
        subset = tablib.Dataset(headers=dataset.headers)
        for r in dataset[:rows]:
            subset.append(r)
        dataset = subset
    prepared = time.perf_counter()
    result = AssetResource().import_data(dataset, dry_run=False, raise_errors=bool(os.environ.get("BENCH_RAISE")),
                                         use_transactions=True)
    finished = time.perf_counter()
    cpu = clock.read()
    return {"load_seconds": loaded - started, "load_cpu": load_cpu, "cpu": cpu, "import_seconds": finished - prepared,
            "rows_imported": dataset.height,
            "rows_in_file": total_rows, "peak_rss_mb": peak_rss_mb(), "start_rss_mb": start_rss,
            "has_errors": result.has_errors() or result.has_validation_errors(),
            "totals": {k: v for k, v in result.totals.items() if v}, "assets_in_unit": Asset.objects.count()}


def in_child(kind: str, path: Path, schema: str, rows: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--file", str(path), "--schema", schema,
           "--baseline-rows", str(rows)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if out.returncode:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(f"the {kind} run failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main

def prepare_units() -> None:
    from django.db import connection

    from tenants.models import Unit
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    ours = unit_onboard(name="导入基准（本项目）", slug="bench-ours", module_keys=["assets"], check_actor=False,
                        send_invite=False).unit
    theirs = unit_onboard(name="导入基准（django-import-export）", slug="bench-die", module_keys=["assets"],
                          check_actor=False, send_invite=False).unit
    officer = User.objects.create_user(email="officer@bench.cn", password="Bench-Passw0rd!", name="资产专管员")
    holders = [User.objects.create_user(email=custodian_email(i), password="Bench-Passw0rd!", name=f"使用人{i}")
               for i in range(CUSTODIANS)]
    for unit in (ours, theirs):
        member_roles_set(unit=unit, user=officer, role_keys=["assets.asset_officer"], actor=None,
                         enforce_grantor=False)
        for h in holders:
            member_roles_set(unit=unit, user=h, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
    connection.set_schema_to_public()
    assert Unit.objects.filter(slug__in=["bench-ours", "bench-die"]).count() == 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--baseline-rows", type=int, default=10_000)
    ap.add_argument("--child", choices=["ours", "baseline"])
    ap.add_argument("--file")
    ap.add_argument("--schema")
    args = ap.parse_args()
    if args.child:
        if args.child == "ours":
            result = run_ours(Path(args.file), args.schema)
        else:
            result = run_baseline(Path(args.file), args.schema, args.baseline_rows)
        print(json.dumps(result, ensure_ascii=False, default=str))
        return

    workdir = Path(tempfile.mkdtemp(prefix="zt-bench-import-"))
    # Media and Celery folders of this run (and its children) stay out of the project's var/.
    os.environ["ZT_VAR_DIR"] = str(workdir / "var")
    fresh_database(DB)
    try:
        prepare_units()
        path = workdir / "assets-100k.xlsx"
        t = time.perf_counter()
        make_workbook(path, args.rows)
        made = time.perf_counter() - t
        from django.db import connections

        connections.close_all()
        ours = in_child("ours", path, "u_bench_ours", args.rows)
        baseline_rows = min(args.baseline_rows, args.rows)
        theirs = in_child("baseline", path, "u_bench_die", baseline_rows)
    finally:
        drop_database(DB)

    n = args.rows
    print(f"file: {n:,} asset rows, {path.stat().st_size / 1e6:.1f} MB xlsx (written by the bench in {made:.1f} s)")
    print(f"ours (zhengtong.imports, the Celery path): {ours['seconds']:.1f} s wall; CPU {ours['python_cpu']:.1f} s "
          f"python + {ours['postgres_cpu']:.1f} s postgres; peak RSS {ours['peak_rss_mb']:.0f} MB (at start "
          f"{ours['start_rss_mb']:.0f} MB); status {ours['status']}, created {ours['created']:,}, assets in the unit "
          f"{ours['assets_in_unit']:,}" + (f"; problems {ours['errors']}" if ours["problems"] else ""))
    full = theirs["rows_imported"] >= n
    scale = n / max(1, theirs["rows_imported"])
    load_cpu, cpu = theirs["load_cpu"], theirs["cpu"]
    wall = theirs["load_seconds"] + theirs["import_seconds"] * scale
    py = load_cpu["python_cpu"] + (cpu["python_cpu"] - load_cpu["python_cpu"]) * scale
    pg = load_cpu["postgres_cpu"] + (cpu["postgres_cpu"] - load_cpu["postgres_cpu"]) * scale
    how = "all rows imported" if full else (
        f"file loaded in full ({theirs['load_seconds']:.1f} s), first {theirs['rows_imported']:,} rows imported in "
        f"{theirs['import_seconds']:.1f} s; the import part extrapolated linearly to {n:,} rows")
    print(f"django-import-export 4.4.3: {wall:.1f} s wall; CPU {py:.1f} s python + {pg:.1f} s postgres"
          f"{'' if full else ' (extrapolated)'}; peak RSS {theirs['peak_rss_mb']:.0f} MB (at start "
          f"{theirs['start_rss_mb']:.0f} MB{'' if full else ', for the rows imported'}); {how}; result "
          f"{theirs['totals']}, errors: {theirs['has_errors']}")
    ours_cpu = ours["python_cpu"] + ours["postgres_cpu"]
    print(f"ratio django-import-export / ours: {wall / ours['seconds']:.1f}x wall, {(py + pg) / ours_cpu:.1f}x CPU "
          f"(target >= 10x); ours <= 60 s wall: {'yes' if ours['seconds'] <= 60 else 'NO'}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
