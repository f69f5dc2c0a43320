"""The project list as a spreadsheet (xlsx/csv through the platform's export service, audited):
the list page's filters and sort, and exactly the projects the person exporting may see."""
from __future__ import annotations

from zhengtong.imports.definitions import ExportColumn, ExportDefinition
from zhengtong.imports.registry import register_export


class ProjectExport(ExportDefinition):
    key = "projects.project"
    module_key = "projects"
    name_zh = "信息化项目清单"
    name_en = "IT projects"
    columns = (
        ExportColumn("立项编号", "Approval number", lambda p: p.number, width=18),
        ExportColumn("项目名称", "Project name", lambda p: p.name, width=30),
        ExportColumn("项目范围", "Scope", lambda p: p.get_scope_display(), width=14),
        ExportColumn("建设性质", "Kind of work", lambda p: p.get_kind_display(), width=10),
        ExportColumn("投资估算（元）", "Estimated investment (yuan)", lambda p: p.estimated_investment, width=16),
        ExportColumn("项目类别", "Class", lambda p: p.get_project_class_display(), width=12),
        ExportColumn("计划年度", "Plan year", lambda p: p.year, width=8),
        ExportColumn("状态", "Status", lambda p: p.get_status_display(), width=10),
    )

    def queryset(self, *, user, params):
        from .selectors import list_filters, project_list

        return project_list(user, **list_filters(params))

    def filters(self, params) -> dict[str, str]:
        from .selectors import list_filters

        return {k: v for k, v in list_filters(params).items() if v}


register_export(ProjectExport())
