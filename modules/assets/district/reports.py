"""PDF reports of the district roll-up, through the platform's reports pipeline: numbered by
the district portal's own sequence, rendered by the worker in the public schema, listed under
the district's downloads and checkable on its verify page.

Two reports share one builder: the roll-up table (区级资产汇总表) and the report for the city
(上报): the same figures under the finance bureau's header (district name + 财政局（国资办）),
with the period, the document number and date on every page (the pipeline's page header).
Both are declared in the assets manifest (so the worker finds their builder) with a
permission no unit role holds: they are never offered in a unit's report list; only
``rollup_report_request`` below, for district readers, requests them.
"""
from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhengtong.core.errors import Refused, audited_refusal
from zhengtong.reports.content import Column, TableReport, money

ROLLUP = "assets.district_rollup"
CITY_RETURN = "assets.city_return"
PERMISSION = "assets_district.request_rollup_report"
DISTRICT_READERS = ("district.operator", "district.finance_bureau")


class Parameters(forms.Form):
    start = forms.DateField()
    end = forms.DateField()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period must start before it ends (起始日期不能晚于截止日期)."))
        # JSON-serialisable: the parameters are stored with the document.
        return {k: v.isoformat() for k, v in data.items() if v}


def _district_name(unit) -> str:
    district = getattr(unit, "district", None)
    if district is None:
        from tenants.models import District

        district = District.objects.order_by("pk").first()
    return district.name if district else unit.name


def _build(*, user, params: dict, city: bool) -> TableReport:
    from django.db import connection

    from .. import rollup

    portal = connection.tenant
    if not portal.is_district_portal or not user.has_role(*DISTRICT_READERS):
        raise PermissionDenied("district roll-up reports are for district readers")
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    units = rollup.rollup_units()
    figures = rollup.district_figures(units)
    disposals = {d.unit.pk: d for d in rollup.disposals_in_period(units, start=start, end=end)}
    income = rollup.lending_income_in_period(units, start=start, end=end)
    idle = {uid: t for (uid, status), t in figures.by_unit_status.items() if status == "idle"}
    district = _district_name(portal)
    period = _("Period %(start)s to %(end)s") % {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"}
    oldest = min((t for t in figures.as_of.values() if t), default=None)
    as_of = (_("figures as of %(time)s or later") % {"time": timezone.localtime(oldest).strftime("%Y-%m-%d %H:%M")}
             if oldest else _("figures read live"))

    def rows():
        for u in units:
            t = figures.unit_totals(u)
            d = disposals.get(u.pk)
            i = idle.get(u.pk)
            yield (u.name, f"{t.count:,}", money(t.original_value), money(t.net_value),
                   f"{i.count:,}" if i else "0", money(i.original_value) if i else money(0),
                   f"{d.count:,}" if d else "0", money(d.original_value) if d else money(0),
                   money(income.get(u.pk, 0)))

    total = figures.total
    idle_n = sum(t.count for t in idle.values())
    idle_v = sum((t.original_value for t in idle.values()), rollup.ZERO)
    disp_n = sum(d.count for d in disposals.values())
    disp_v = sum((d.original_value for d in disposals.values()), rollup.ZERO)
    if city:
        title = _("%(district)s Finance Bureau (State Asset Office)") % {"district": district}
        subtitle = " · ".join([_("Report on the state assets of the district's administrative units"), period, as_of])
    else:
        title = _("District asset roll-up")
        subtitle = " · ".join([district, period, as_of])
    return TableReport(
        title=title, subtitle=subtitle,
        columns=[Column(_("Unit"), 18), Column(_("Cards"), 7, "right"),
                 Column(_("Original value (yuan)"), 12, "right"), Column(_("Net value (yuan)"), 12, "right"),
                 Column(_("Idle cards"), 6, "right"), Column(_("Idle original value"), 11, "right"),
                 Column(_("Cards disposed"), 6, "right"), Column(_("Disposed original value"), 11, "right"),
                 Column(_("Lending income"), 10, "right")],
        rows=rows(), expected_rows=len(units),
        totals=[_("Total"), f"{total.count:,}", money(total.original_value), money(total.net_value),
                f"{idle_n:,}", money(idle_v), f"{disp_n:,}", money(disp_v),
                money(sum(income.values(), rollup.ZERO))],
        summary=[(_("Units"), f"{len(units):,}"), (_("Total original value (yuan)"), money(total.original_value)),
                 (_("Total net value (yuan)"), money(total.net_value))],
    )


def build_rollup(*, user, params: dict) -> TableReport:
    return _build(user=user, params=params, city=False)


def build_city_return(*, user, params: dict) -> TableReport:
    return _build(user=user, params=params, city=True)


@audited_refusal("reports.document.request", obj_arg="kind", object_type="reports.report")
def rollup_report_request(*, actor, unit, kind: str, start: date, end: date):
    """Number and queue a roll-up report on the district portal (``unit`` is its tenant row).
    Refused (audited) to anyone but district readers there."""
    from zhengtong.reports import services
    from zhengtong.reports.registry import find_report

    report = find_report(kind) if kind in (ROLLUP, CITY_RETURN) else None
    allowed = (report is not None and unit.is_district_portal and actor.has_role(*DISTRICT_READERS)
               and services.is_member(actor, unit))
    if not allowed:
        raise Refused(_("You may not request this report."), detail="district roll-up report refused")
    params = services.clean_parameters(report, {"start": start, "end": end})
    # The platform's own request path (numbering, audit, queue on commit); reports_for() is
    # bypassed on purpose: it offers a unit's module reports, and this one is the district's.
    return services._document_create(actor=actor, unit=unit, report=report, params=params,
                                     language=translation.get_language() or "zh-hans")
