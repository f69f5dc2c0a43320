"""Spreadsheets as people upload them."""
import io

import openpyxl

UNIT_COLUMNS = ["单位名称", "简称", "统一社会信用代码", "类型", "启用模块", "管理员邮箱"]


def workbook(headers, rows) -> bytes:
    """An .xlsx with ``headers`` on the first row and ``rows`` below them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def units_xlsx(rows) -> bytes:
    """An .xlsx of units for the bulk onboarding, with the template's headers."""
    return workbook(UNIT_COLUMNS, rows)
