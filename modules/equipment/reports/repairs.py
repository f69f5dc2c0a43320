"""设备维修统计 (repair report): the repair tickets the requesting person may see, reported within
a period, with cost and downtime, and their totals. Rows come from ``selectors.ticket_list``, so
the report holds exactly what that person sees on the repairs page."""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengtong.reports.content import Column, TableReport, money

from ..models import RepairTicket
from ..selectors import ticket_list


class RepairParameters(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("Reported from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("Reported until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("Any status")), *RepairTicket.Status.choices])

    def clean(self):
        data = super().clean()
        # The parameters are stored as JSON with the request: dates travel as ISO strings.
        for key in ("date_from", "date_to"):
            if data.get(key):
                data[key] = data[key].isoformat()
        return data


def _bound(day: str, end: bool) -> datetime:
    d = datetime.fromisoformat(day).date()
    return timezone.make_aware(datetime.combine(d, time.max if end else time.min))


def build(*, user, params: dict) -> TableReport:
    status = params.get("status") or ""
    tickets = ticket_list(user=user, status=status).order_by("reported_at", "id")
    scope = [_("As of %(date)s") % {"date": timezone.localdate().isoformat()}]
    if params.get("date_from"):
        tickets = tickets.filter(reported_at__gte=_bound(params["date_from"], end=False))
        scope.append(_("From %(d)s") % {"d": params["date_from"]})
    if params.get("date_to"):
        tickets = tickets.filter(reported_at__lte=_bound(params["date_to"], end=True))
        scope.append(_("Until %(d)s") % {"d": params["date_to"]})
    statuses = dict(RepairTicket.Status.choices)
    if status:
        scope.append(_("Status: %(s)s") % {"s": statuses.get(status, status)})
    total = {"cost": Decimal("0.00"), "hours": Decimal("0.0"), "count": 0, "repeat": 0}

    def rows():
        for t in tickets.iterator(chunk_size=2000):
            hours = Decimal(t.downtime.total_seconds() / 3600).quantize(Decimal("0.1"))
            total["cost"] += t.cost
            total["hours"] += hours
            total["count"] += 1
            total["repeat"] += int(t.repeat_fault)
            yield (str(t.pk), timezone.localtime(t.reported_at).strftime("%Y-%m-%d"), t.device.name, t.symptom,
                   t.reported_by.get_short_name(), t.technician.get_short_name() if t.technician_id else "",
                   str(statuses.get(t.status, t.status)) + (" *" if t.repeat_fault else ""), money(t.cost),
                   f"{hours}")

    return TableReport(
        title=_("Repair report"),
        subtitle=" · ".join(scope),
        columns=[
            Column(_("Ticket"), 5, "center"),
            Column(_("Reported"), 8, "center"),
            Column(_("Device"), 13),
            Column(_("Symptom"), 22),
            Column(_("Reported by"), 7),
            Column(_("Technician"), 7),
            Column(_("Status"), 7, "center"),
            Column(_("Repair cost (yuan)"), 8, "right"),
            Column(_("Downtime (hours)"), 7, "right"),
        ],
        rows=rows(),
        expected_rows=tickets.count(),
        totals=lambda: [_("Total"), str(total["count"]), "", "", "", "", "", money(total["cost"]),
                        f"{total['hours']}"],
        summary=lambda: [(_("Repair tickets"), str(total["count"])),
                         (_("Repeat faults (*)"), str(total["repeat"])),
                         (_("Total cost (yuan)"), money(total["cost"])),
                         (_("Total downtime (hours)"), f"{total['hours']}")],
    )
