"""Personnel lists as spreadsheets (xlsx/csv through the platform's export service, audited).

* ``personnel.person`` — the staff list with the list page's search and filters, from
  ``selectors.people_search``: exactly the people the person exporting may see (a department
  head: their department). ID numbers are masked, as on the page: a spreadsheet leaves the
  system, the full number stays behind the audited reveal.
* ``personnel.movements`` — the moves in effect in a period (inflow, outflow, internal), for
  HR and the unit leader; the same rows as the inflow/outflow report.
"""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from zhengtong.imports.definitions import ExportColumn, ExportDefinition
from zhengtong.imports.registry import register_export

from .models import Transfer


def _people_filters(params) -> dict:
    from .selectors import FILTER_FIELDS

    out = {k: params.get(k) for k in FILTER_FIELDS if params.get(k)}
    for k in ("entry_from", "entry_to"):
        if params.get(k):
            out[k] = params.get(k)
    return out


class PersonExport(ExportDefinition):
    key = "personnel.person"
    module_key = "personnel"
    name_zh = "人员名册"
    name_en = "Staff list"
    columns = (
        ExportColumn("姓名", "Name", lambda p: p.name, width=12),
        ExportColumn("性别", "Gender", lambda p: p.get_gender_display(), width=6),
        ExportColumn("身份证号码", "ID number", lambda p: p.id_number_masked, width=22),
        ExportColumn("出生日期", "Date of birth", lambda p: p.birth_date, width=12),
        ExportColumn("入职日期", "Entry date", lambda p: p.entry_date, width=12),
        ExportColumn("部门", "Department", lambda p: p.department.name if p.department_id else "", width=16),
        ExportColumn("岗位", "Post", lambda p: p.post.title if p.post_id else "", width=16),
        ExportColumn("职级", "Rank / grade", lambda p: p.rank, width=12),
        ExportColumn("人员类别", "Employment type", lambda p: p.get_employment_type_display(), width=16),
        ExportColumn("学历", "Education", lambda p: p.get_education_display(), width=12),
        ExportColumn("政治面貌", "Political status", lambda p: p.get_political_status_display(), width=12),
        ExportColumn("状态", "Status", lambda p: p.get_status_display(), width=10),
    )

    def queryset(self, *, user, params):
        from .selectors import people_search

        return people_search(user, q=(params.get("q") or "").strip(), filters=_people_filters(params),
                             include_inactive=params.get("all") == "1").select_related("department", "post")

    def filters(self, params) -> dict[str, str]:
        return {k: v for k, v in {"q": params.get("q"), **_people_filters(params)}.items() if v}


def _period(params) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(params.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(params.get("end") or today.isoformat())
    except ValueError:
        start, end = date(today.year, 1, 1), today
    return start, end


def _direction(t: Transfer) -> str:
    from .reports.figures import INFLOW, OUTFLOW

    return "流入" if t.kind in INFLOW else "流出" if t.kind in OUTFLOW else "内部"


class MovementExport(ExportDefinition):
    key = "personnel.movements"
    module_key = "personnel"
    name_zh = "人员流动明细"
    name_en = "Moves"
    columns = (
        ExportColumn("生效日期", "Effective date", lambda t: t.effective_date, width=12),
        ExportColumn("姓名", "Name", lambda t: t.person.name, width=12),
        ExportColumn("方向", "Direction", _direction, width=8),
        ExportColumn("类型", "Type", lambda t: t.get_kind_display(), width=16),
        ExportColumn("原部门", "From department", lambda t: t.before_department.name if t.before_department_id else "",
                     width=16),
        ExportColumn("原岗位", "From post", lambda t: t.before_post.title if t.before_post_id else "", width=16),
        ExportColumn("新部门", "To department", lambda t: t.after_department.name if t.after_department_id else "",
                     width=16),
        ExportColumn("新岗位", "To post", lambda t: t.after_post.title if t.after_post_id else "", width=16),
        ExportColumn("对方单位", "Other unit", lambda t: t.other_unit, width=18),
        ExportColumn("理由", "Reason", lambda t: t.reason, width=30),
    )

    def queryset(self, *, user, params):
        from .reports.figures import IN_EFFECT
        from .selectors import sees_unit

        if not sees_unit(user):
            raise PermissionDenied
        start, end = _period(params)
        return (Transfer.objects.filter(status__in=IN_EFFECT, effective_date__range=(start, end))
                .select_related("person", "before_department", "before_post", "after_department", "after_post")
                .order_by("effective_date", "pk"))

    def filters(self, params) -> dict[str, str]:
        start, end = _period(params)
        return {"start": start.isoformat(), "end": end.isoformat()}


register_export(PersonExport())
register_export(MovementExport())
