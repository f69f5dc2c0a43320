"""A semester's evaluation results as a spreadsheet (学期考评结果). Rows come from the same
selector as the evaluation page (``selectors.evaluations``), so an export holds exactly what
that person sees. Registered from apps.py: the platform loads ``modules.equipment.exports``
only, which is the equipment core's file."""
from __future__ import annotations

from zhengtong.imports.definitions import ExportColumn, ExportDefinition
from zhengtong.imports.registry import register_export

from .selectors import evaluations


class EvaluationExport(ExportDefinition):
    key = "equipment.evaluation"
    module_key = "equipment"
    name_zh = "学期考评结果"
    name_en = "Semester evaluation results"
    filename = "evaluations"
    columns = (
        ExportColumn("学期", "Semester", lambda e: e.semester.name, width=22),
        ExportColumn("场所", "Place", lambda e: e.place.name, width=20),
        ExportColumn("责任人", "Responsible person", lambda e: e.responsible.get_short_name()),
        ExportColumn("得分", "Points", lambda e: e.points, number_format="0.00"),
        ExportColumn("满分", "Points available", lambda e: e.available, number_format="0.00"),
        ExportColumn("得分率（%）", "Score (%)", lambda e: e.percent, number_format="0.00"),
        ExportColumn("状态", "Status", lambda e: e.get_status_display(), width=10),
        ExportColumn("考评人", "Evaluator", lambda e: e.evaluator.get_short_name()),
        ExportColumn("备注", "Remarks", lambda e: e.remarks, width=30),
    )

    def queryset(self, *, user, params):
        qs = evaluations(user=user).order_by("semester__starts_on", "-percent", "place__name")
        semester = (params.get("semester") or "").strip()
        if semester.isdigit():
            qs = qs.filter(semester_id=int(semester))
        return qs

    def filters(self, params) -> dict[str, str]:
        return {"semester": params.get("semester")} if params.get("semester") else {}


def register() -> None:
    register_export(EvaluationExport())

