"""The asset list as a spreadsheet. Rows come from ``selectors.asset_list`` with the
list page's own filters, so an export holds exactly what that person sees on the page
(a custodian: their own assets). Headers match the import template: an export can be
edited and imported again, and unchanged rows are recognised as such."""
from __future__ import annotations

from zhengtong.imports.definitions import ExportColumn, ExportDefinition
from zhengtong.imports.registry import register_export

from .selectors import asset_list


class AssetExport(ExportDefinition):
    key = "assets.asset"
    module_key = "assets"
    name_zh = "资产卡片"
    name_en = "Asset cards"
    columns = (
        ExportColumn("资产编号", "Asset number", lambda a: a.number, width=20),
        ExportColumn("资产名称", "Name", lambda a: a.name, width=20),
        ExportColumn("资产分类", "Class", lambda a: a.category),
        ExportColumn("规格型号", "Model / specification", lambda a: a.spec, width=20),
        ExportColumn("原值（元）", "Original value (yuan)", lambda a: a.original_value, number_format="#,##0.00"),
        ExportColumn("取得日期", "Acquisition date", lambda a: a.acquired_on, width=12),
        ExportColumn("使用部门", "Department", lambda a: a.department),
        ExportColumn("存放地点", "Location", lambda a: a.location, width=18),
        ExportColumn("使用人邮箱", "Custodian email", lambda a: a.custodian.email if a.custodian_id else "", width=24),
        ExportColumn("使用人", "Custodian", lambda a: a.custodian.get_short_name() if a.custodian_id else ""),
        ExportColumn("状态", "Status", lambda a: a.get_status_display(), width=10),
    )

    def queryset(self, *, user, params):
        return asset_list(user=user, search=(params.get("q") or "").strip(), status=params.get("status") or "")

    def filters(self, params) -> dict[str, str]:
        return {k: params.get(k) for k in ("q", "status") if params.get(k)}


register_export(AssetExport())
