"""The district roll-up as a spreadsheet: one sheet per view of the figures (by unit, class,
status, department, quota usage, disposals in the period), the same figures the page shows.
Unit names and departments are typed by people: text that a spreadsheet would run as a
formula is written as text, and characters an xlsx cannot hold are replaced
(zhengtong.imports.writers.xlsx_safe)."""
from __future__ import annotations

import io

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from zhengtong.imports.writers import XLSX_TYPE, xlsx_safe  # noqa: F401  (XLSX_TYPE: the views' content type)

MONEY = "#,##0.00"


def _sheet(wb, title: str, headers: list[str], rows, money_cols: set[int]):
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title[:31])
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([xlsx_safe(str(v) if isinstance(v, Promise) else v) for v in row])
        for idx in money_cols:
            ws.cell(row=ws.max_row, column=idx).number_format = MONEY
    for idx, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = max(12, len(header) * 2 + 4)
    return ws


def rollup_workbook(view) -> bytes:
    """``view`` is views_district.RollupView (the page's figures)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    money = [_("Original value (yuan)"), _("Net value (yuan)")]
    figures = view.figures
    _sheet(wb, _("By unit"), [_("Unit"), _("Cards"), *money, _("Idle cards"), _("As of")],
           [(u.name, t.count, t.original_value, t.net_value, view.idle_by_unit.get(u.pk, 0),
             timezone.localtime(figures.as_of[u.pk]).strftime("%Y-%m-%d %H:%M") if figures.as_of.get(u.pk)
             else _("live")) for u, t in view.unit_rows], {3, 4})
    _sheet(wb, _("By class"), [_("Class code"), _("Class"), _("Cards"), *money],
           [(code, name, t.count, t.original_value, t.net_value) for (code, name), t in view.by_class], {4, 5})
    _sheet(wb, _("By status"), [_("Status"), _("Cards"), *money],
           [(label, t.count, t.original_value, t.net_value) for label, t in view.by_status], {3, 4})
    _sheet(wb, _("By department"), [_("Department"), _("Cards"), *money],
           [(dept or _("(none)"), t.count, t.original_value, t.net_value) for dept, t in view.by_department], {3, 4})
    _sheet(wb, _("Quota usage"), [_("Unit"), _("Year"), _("Class code"), _("Class"), _("Quota"), _("On the books")],
           [(q.unit.name, q.year, q.class_code, q.class_name, q.quota, q.stock) for q in view.quota_usage], set())
    _sheet(wb, _("Disposals and lending income"),
           [_("Unit"), _("Cards disposed"), _("Disposed original value"), _("Lending income")],
           [(u.name, n, value, income) for u, n, value, income in view.period_rows], {3, 4})
    _sheet(wb, _("Total"), [_("Period"), _("Cards"), *money],
           [(view.period_label, figures.total.count, figures.total.original_value, figures.total.net_value)], {3, 4})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
