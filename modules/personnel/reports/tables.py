"""Tabular PDF reports of the personnel module (rows through the platform's pipeline):
inflow/outflow by period, department and type; establishment usage; secondments outstanding.
HR and the unit leader request them (ReportSpec permission personnel.view_transfer)."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengtong.core.errors import Refused
from zhengtong.reports.content import Column, TableReport

from . import figures


def _require(user) -> None:
    from ..selectors import sees_unit

    if not sees_unit(user):
        raise Refused("unit-wide personnel figures are for HR and the unit leader")


class PeriodParameters(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial = date(today.year, 1, 1)
        self.fields["end"].initial = today

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts (结束日期早于开始日期)."))
        # Stored with the requested document as JSON: dates as ISO text.
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


def period_of(params: dict) -> tuple[date, date]:
    """(start, end) of cleaned PeriodParameters (ISO text once stored with a document)."""
    return tuple(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in (params["start"], params["end"]))


def flows_report(*, user, params: dict) -> TableReport:
    _require(user)
    start, end = period_of(params)
    f = figures.flows(start, end)
    rows = [(m.day.isoformat(), {"in": "流入", "out": "流出", "internal": "内部"}[m.direction], m.kind_label,
             m.department) for m in f.rows]
    return TableReport(
        title="人员流入流出统计", subtitle=f"{start.isoformat()} 至 {end.isoformat()}",
        columns=[Column("生效日期", 20), Column("方向", 12), Column("类型", 30), Column("部门", 38)], rows=rows,
        totals=("合计", f"流入{f.total_in}", f"流出{f.total_out}", f"内部{f.total_internal}"),
        summary=[*((f"{month}", f"流入 {i}，流出 {o}") for month, i, o in
                   zip(f.months, f.inflow_by_month, f.outflow_by_month, strict=True)),
                 *((f"{name}", f"流入 {i}，流出 {o}，内部 {n}") for name, i, o, n in f.by_department),
                 *((f"{d}·{k}", str(n)) for d, k, n in f.by_kind)])


def establishment_report(*, user, params: dict) -> TableReport:
    _require(user)
    rows = figures.establishment_usage()
    return TableReport(
        title="编制使用情况", subtitle=f"截至 {timezone.localdate().isoformat()}",
        columns=[Column("部门", 24), Column("岗位", 22), Column("岗位类别", 18), Column("编制数", 9),
                 Column("在编", 9), Column("待入", 9), Column("空编", 9)],
        rows=[(r.department, r.post, r.post_type, str(r.establishment), str(r.occupied), str(r.reserved),
               str(r.vacancy)) for r in rows],
        totals=("合计", "", "", str(sum(r.establishment for r in rows)), str(sum(r.occupied for r in rows)),
                str(sum(r.reserved for r in rows)), str(sum(r.vacancy for r in rows))))


def secondments_report(*, user, params: dict) -> TableReport:
    _require(user)
    today = timezone.localdate()
    rows = figures.secondments_outstanding(today)
    return TableReport(
        title="借调人员情况", subtitle=f"截至 {today.isoformat()}",
        columns=[Column("姓名", 16), Column("状态", 16), Column("本单位部门", 22), Column("借调单位/部门", 26),
                 Column("到期日", 12), Column("剩余天数", 8)],
        rows=[(r.name, r.direction, r.department, r.other, r.end.isoformat() if r.end else "—",
               str(r.days_left) if r.days_left is not None else "—") for r in rows],
        summary=[("借调未归合计", f"{len(rows)}人")])
