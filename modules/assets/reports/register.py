"""资产登记簿 (asset register): every asset card the requesting person may see, with the total of
original values. Rows come from ``selectors.asset_list`` with the list page's own filters, so
the register holds exactly what that person sees there (a custodian: their own assets).

"All statuses" means the cards on the books: a disposed card has left them (its value is no
longer the unit's), so it is counted only when the person asks for it — the "disposed"
status, or "include disposed cards", which the header then says."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengtong.reports.content import Column, TableReport, money

from ..models import Asset
from ..selectors import asset_list


class RegisterParameters(forms.Form):
    q = forms.CharField(label=gettext_lazy("Number, name, model or location"), required=False, max_length=100)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All statuses")), *Asset.Status.choices])
    include_disposed = forms.BooleanField(label=gettext_lazy("Include disposed cards"), required=False,
                                          help_text=gettext_lazy("Off: the register and its totals hold the cards "
                                                                 "on the books"))


def _label(field: str) -> str:
    return capfirst(str(Asset._meta.get_field(field).verbose_name))


def build(*, user, params: dict) -> TableReport:
    search = (params.get("q") or "").strip()
    status = params.get("status") or ""
    # The stored parameters are the form's raw values ("on" from a ticked box).
    include_disposed = forms.BooleanField().to_python(params.get("include_disposed"))
    assets = asset_list(user=user, search=search, status=status)
    if not status and not include_disposed:
        assets = assets.exclude(status=Asset.Status.DISPOSED)
    assets = assets.only(
        "number", "name", "spec", "category", "acquired_on", "original_value", "department", "location", "status",
        "custodian__name", "custodian__email")
    total = {"value": Decimal("0.00"), "count": 0}
    statuses = dict(Asset.Status.choices)

    def rows():
        # One pass over a server-side cursor: the totals below are the sum of the rows printed.
        for a in assets.iterator(chunk_size=2000):
            total["value"] += a.original_value
            total["count"] += 1
            yield (a.number, a.name, a.spec, a.category, a.acquired_on.isoformat(), money(a.original_value),
                   a.department, a.custodian.get_short_name() if a.custodian_id else "", a.location,
                   str(statuses.get(a.status, a.status)))

    def count_label() -> str:
        return _("%(n)s assets") % {"n": f"{total['count']:,}"}

    scope = [_("As of %(date)s") % {"date": timezone.localdate().isoformat()}]
    if status:
        scope.append(_("Status: %(s)s") % {"s": statuses.get(status, status)})
    elif include_disposed:
        scope.append(_("Disposed cards included"))
    else:
        scope.append(_("Cards on the books (disposed cards not included)"))
    if search:
        scope.append(_("Search: %(q)s") % {"q": search})
    return TableReport(
        title=_("Asset register"),
        subtitle=" · ".join(scope),
        columns=[
            # Room for a whole number: <unit slug>-<year>-<5 digits> is ~20 characters.
            Column(_label("number"), 16),
            Column(_("Asset name"), 14),
            Column(_label("spec"), 11),
            Column(_label("category"), 9),
            Column(_label("acquired_on"), 8, "center"),
            Column(_label("original_value"), 10, "right"),
            Column(_label("department"), 9),
            Column(_label("custodian"), 7),
            Column(_label("location"), 11),
            Column(_label("status"), 5, "center"),
        ],
        rows=rows(),
        expected_rows=assets.count(),  # a hint only: the totals are counted from the rows printed
        totals=lambda: [_("Total"), count_label(), "", "", "", money(total["value"]), "", "", "", ""],
        summary=lambda: [(_("Assets"), count_label()),
                         (_("Total original value (yuan)"), money(total["value"]))],
    )
