"""A 10,000-row asset register (资产登记簿) in Chinese, two ways:

(a) a plain one-pass WeasyPrint render of the same rows (one HTML table, WeasyPrint paginates,
    "第 N 页 / 共 M 页" by counter(pages)) — what a straightforward implementation does;
(b) the project's pipeline, exactly as the report task runs it: services.document_generate
    (read the rows through the module's builder, plan pages, render chunks in parallel worker
    processes, merge with pypdf, hash, store the file).

    .venv/bin/python bench/pdf_report.py [--rows 10000] [--skip-plain]

Each run happens in a child process of its own; this script samples the resident memory of that
child and all of its descendants (the render workers) every 50 ms and reports the peak of the
sum, plus the CPU seconds they used. Targets for (b): ≥5× faster than (a), ≤30 s, ≤500 MB.
The machine is shared: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from _setup import ROOT, drop_database, fresh_database

DB = "zt_bench_pdf_report"
UNIT_SLUG = "bench"


# ---------------------------------------------------------------- set-up (parent)

def seed(rows: int) -> tuple[int, int]:
    """A unit with ``rows`` asset cards and an asset officer; returns (officer id, unit id)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django_tenants.utils import schema_context

    from modules.assets.models import Asset
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    unit = unit_onboard(name="某区教育局", slug=UNIT_SLUG, module_keys=["assets"], check_actor=False,
                        send_invite=False).unit
    officer = User.objects.create_user(email="officer@bench.cn", password=None, name="资产专管员")
    member_roles_set(unit=unit, user=officer, role_keys=["assets.asset_officer"], actor=None, enforce_grantor=False)
    people = []
    for i, name in enumerate(["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴芳"]):
        u = User.objects.create_user(email=f"p{i}@bench.cn", password=None, name=name)
        member_roles_set(unit=unit, user=u, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
        people.append(u)
    rnd = random.Random(20260305)
    kinds = [("台式计算机", "通用设备", ["联想 启天M437", "惠普 ProDesk 480 G9", "华为 擎云B730"]),
             ("笔记本电脑", "通用设备", ["联想 昭阳K4e", "华为 MateBook D14"]),
             ("激光打印机", "通用设备", ["惠普 LaserJet M405dn", "奔图 P3301DN"]),
             ("复印机", "通用设备", ["理光 IM C3000", "柯尼卡美能达 bizhub C300i"]),
             ("投影仪", "专用设备", ["爱普生 CB-X50", "明基 E540"]),
             ("服务器", "通用设备", ["华为 FusionServer 2288H V6 双路至强 256GB 内存 4×1.92TB SSD"]),
             ("交换机", "通用设备", ["华为 S5735-L48T4X-A1", "新华三 S5130S-52S-EI"]),
             ("空调（柜机）", "通用设备", ["格力 KFR-72LW 3匹", "美的 KFR-51LW 2匹"]),
             ("办公桌", "家具用具装具", ["1.4米 钢木结构", "1.6米 实木贴皮"]),
             ("文件柜", "家具用具装具", ["五节柜 钢制", "更衣柜 钢制"]),
             ("会议桌椅套装", "家具用具装具", ["3.6米会议桌及12把椅子"]),
             ("公务用车", "交通运输设备", ["大众 帕萨特 1.4T 自动舒适版", "比亚迪 秦PLUS DM-i"])]
    departments = ["办公室", "人事科", "财务科", "基础教育科", "职业教育科", "信息中心", "后勤服务中心", "督导室"]
    locations = ["办公楼三层301室", "办公楼二层机房", "档案室", "第一会议室", "仓库一号库", "行政楼一层大厅"]
    statuses = ["in_use"] * 8 + ["idle", "lent", "repair"]
    values = {"服务器": 68000, "公务用车": 180000, "复印机": 26000, "空调（柜机）": 9000, "投影仪": 4500}
    assets = []
    for i in range(1, rows + 1):
        name, category, specs = rnd.choice(kinds)
        base = values.get(name, 3000)
        assets.append(Asset(
            number=f"BENCH-{2015 + i % 10}-{i:05d}", name=name, category=category, spec=rnd.choice(specs),
            original_value=Decimal(rnd.randint(base * 60, base * 140)) / 100,
            acquired_on=date(2015, 1, 1) + timedelta(days=rnd.randint(0, 3900)),
            department=rnd.choice(departments), location=rnd.choice(locations), status=rnd.choice(statuses),
            custodian=rnd.choice(people) if rnd.random() < 0.7 else None))
    with schema_context(unit.schema_name):
        Asset.objects.bulk_create(assets, batch_size=2000)
    return officer.pk, unit.pk


def new_document(unit_id: int, officer_id: int) -> int:
    """A requested register, as document_request leaves it (without queueing a Celery task)."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from tenants.models import Unit
    from zhengtong.reports.models import IssuedDocument
    from zhengtong.reports.services import next_document_number

    unit = Unit.objects.get(pk=unit_id)
    with tenant_context(unit):
        year = timezone.localdate().year
        number, seq = next_document_number(unit=unit, year=year)
        return IssuedDocument.objects.create(number=number, year=year, sequence=seq, report_key="assets.register",
                                             title="资产登记簿", language="zh-hans",
                                             requested_by_id=officer_id).pk


# ---------------------------------------------------------------- the two runs (child processes)

def child(mode: str, unit_id: int, officer_id: int, document_id: int) -> dict:
    import django

    django.setup()
    from django.utils import translation
    from django_tenants.utils import tenant_context

    from tenants.models import Unit

    unit = Unit.objects.get(pk=unit_id)
    with tenant_context(unit), translation.override("zh-hans"):
        if mode == "pipeline":
            from zhengtong.reports.models import IssuedDocument
            from zhengtong.reports.services import document_generate

            started = time.perf_counter()
            doc = document_generate(document_id=document_id)
            seconds = time.perf_counter() - started
            assert doc.status == IssuedDocument.Status.DONE, doc.error
            from django.db import connection

            from zhengtong.audit.models import AuditEvent

            chunks = AuditEvent.objects.get(action="reports.document.issue", object_id=str(doc.pk)).after["chunks"]
            return {"seconds": seconds, "pages": doc.pages, "rows": doc.rows, "bytes": doc.size,
                    "chunks": chunks, "schema": connection.schema_name}
        return plain_render(unit, officer_id)


def plain_render(unit, officer_id: int) -> dict:
    """The same rows through the same template, as one table in one WeasyPrint render."""
    import tempfile
    from html import escape

    from weasyprint import HTML

    from modules.assets.reports.register import build
    from zhengtong.accounts.models import User
    from zhengtong.reports.layout import Plan, PlannedPage, column_widths
    from zhengtong.reports.pipeline import DEFAULT_GEOMETRY, DocumentHeader, chunk_html

    started = time.perf_counter()
    report = build(user=User.objects.get(pk=officer_id), params={})
    geo = DEFAULT_GEOMETRY
    align = {"right": ' class="r"', "center": ' class="c"', "left": ""}
    rows = ["<tr>" + "".join(f"<td{align[c.align]}>{escape(str(v))}</td>"
                             for c, v in zip(report.columns, r, strict=False)) + "</tr>"
            for r in report.rows]
    totals = report.resolved_totals()
    rows.append('<tr class="t">' + "".join(f"<td{align[c.align]}>{escape(v)}</td>"
                                           for c, v in zip(report.columns, totals, strict=False)) + "</tr>")
    header_row = "<tr>" + "".join(f"<th>{escape(c.label)}</th>" for c in report.columns) + "</tr>"
    plan = Plan(geometry=geo, widths=column_widths(report.columns, geo), header_html=header_row, header_height=0,
                pages=[PlannedPage(rows=rows, data_rows=len(rows) - 1, has_masthead=True, has_closing=True)],
                row_count=len(rows) - 1)
    header = DocumentHeader(unit_name=unit.name, title="资产登记簿", number="BENCH-PLAIN",
                            generated_at=time.strftime("%Y-%m-%d %H:%M"), prepared_by="资产专管员")
    # No planning: cells wrap by themselves, WeasyPrint breaks the pages (repeating the header
    # row), and the rules are ordinary cell borders.
    plain_css = ("table { background: none; border-collapse: collapse; } th, td { white-space: normal; "
                 f"border: .5pt solid #000; padding: {geo.pad_v}pt {geo.pad_h}pt; }} "
                 "th { background: #eee; text-align: center; } .t { background: #f3f3f3; } .r { text-align: right; } "
                 ".c { text-align: center; }")
    html = chunk_html(plan, [0], header=header, report=report, summary=list(report.resolved_summary()),
                      first_page=1, total_pages=None, extra_css=plain_css)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "plain.pdf"
        document = HTML(string=html).render()
        pages = len(document.pages)
        document.write_pdf(target)
        size = target.stat().st_size
    return {"seconds": time.perf_counter() - started, "pages": pages, "rows": plan.row_count, "bytes": size}


# ---------------------------------------------------------------- measuring a process tree

def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
        todo.extend(children.get(pid, []))
    return total


def measure(mode: str, args: list[str]) -> dict:
    before = os.times()
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, *args], stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    after = os.times()
    if proc.returncode:
        raise SystemExit(f"{mode} run failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak[0] / 1024
    result["cpu_s"] = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--skip-plain", action="store_true", help="only the project's pipeline")
    ap.add_argument("--child", choices=["plain", "pipeline"], help=argparse.SUPPRESS)
    ap.add_argument("ids", nargs="*", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, *args.ids)))
        return

    print(f"setting up a unit with {args.rows:,} asset cards …", flush=True)
    fresh_database(DB)
    try:
        officer_id, unit_id = seed(args.rows)
        document_id = new_document(unit_id, officer_id)
        from django.db import connections

        connections.close_all()
        ids = [str(unit_id), str(officer_id), str(document_id)]
        load0 = os.getloadavg()
        b = measure("pipeline", ids)
        a = None if args.skip_plain else measure("plain", ids)
        load1 = os.getloadavg()
    finally:
        drop_database(DB)
        import shutil

        from django.conf import settings

        shutil.rmtree(Path(settings.MEDIA_ROOT) / f"u_{UNIT_SLUG}", ignore_errors=True)

    print(f"machine: {os.cpu_count()} CPUs, load average {load0[0]:.1f} before, {load1[0]:.1f} after")
    print(f"rows: {b['rows']:,} asset cards in Chinese, A4 landscape")
    if a:
        print(f"(a) plain one-pass WeasyPrint : {a['seconds']:7.1f} s   peak RSS {a['peak_mb']:6.0f} MB   "
              f"CPU {a['cpu_s']:6.1f} s   {a['pages']} pages")
    print(f"(b) project pipeline          : {b['seconds']:7.1f} s   peak RSS {b['peak_mb']:6.0f} MB   "
          f"CPU {b['cpu_s']:6.1f} s   {b['pages']} pages, {b['chunks']} chunks, {b['bytes'] / 1e6:.1f} MB "
          f"(schema {b['schema']})")
    if a:
        print(f"ratio (a)/(b)                 : {a['seconds'] / b['seconds']:.1f}x faster, "
              f"{a['peak_mb'] / b['peak_mb']:.1f}x less memory")
    ok = lambda cond: "met" if cond else "NOT met"  # noqa: E731
    print(f"targets for (b): ≤30 s {ok(b['seconds'] <= 30)}; ≤500 MB {ok(b['peak_mb'] <= 500)}"
          + (f"; ≥5x faster than (a) {ok(a['seconds'] / b['seconds'] >= 5)}" if a else ""))


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
    main()
