"""Spreadsheets as people upload them, for the bulk onboarding tests."""
import io

import openpyxl

UNIT_COLUMNS = ["单位名称", "简称", "统一社会信用代码", "类型", "启用模块", "管理员邮箱"]


def units_xlsx(rows) -> bytes:
    """An .xlsx of units with the template's headers and ``rows`` below them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(UNIT_COLUMNS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
