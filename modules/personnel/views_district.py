"""District portal pages of the personnel module, for the district HR bureau (区人社局).

It sees the cross-unit transfer requests of the district's units (name, units, posts,
dates — the public-schema record) and decides those waiting for it, and figures per unit
(headcount, establishment, inflow/outflow). It never sees a unit's full staff records: those
stay in each unit's schema, and the district bureau is no member of the units.
"""
from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service

from .exchange import selectors, services
from .exchange.models import CrossUnitTransfer
from .reports import figures

DISTRICT_READERS = ("district.hr_bureau",)


def _district_hr(request) -> None:
    if not request.tenant.is_district_portal or not request.user.has_role(*DISTRICT_READERS):
        raise Http404


def _district():
    from tenants.models import District

    return District.objects.order_by("pk").first()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))),
                                 widget=forms.RadioSelect, label=gettext_lazy("Decision"))
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def exchange_list(request):
    _district_hr(request)
    status = request.GET.get("status", "")
    qs = CrossUnitTransfer.objects.select_related("sender", "receiver")
    if status in CrossUnitTransfer.Status.values:
        qs = qs.filter(status=status)
    setting = selectors.exchange_settings_for(_district())
    return render(request, "personnel/exchange/district_list.html", {
        "rows": qs[:300], "status": status, "statuses": CrossUnitTransfer.Status.choices,
        "waiting": CrossUnitTransfer.objects.filter(status=CrossUnitTransfer.Status.DISTRICT).count(),
        "approval_required": bool(setting and setting.district_approval_required),
    })


@login_required
@require_POST
def exchange_settings(request):
    _district_hr(request)
    services.exchange_settings_update(actor=request.user, district=_district(),
                                      district_approval_required=request.POST.get("required") == "1")
    return redirect("personnel_district:exchange_list")


@login_required
def exchange_detail(request, pk: int):
    _district_hr(request)
    transfer = CrossUnitTransfer.objects.select_related("sender", "receiver").filter(pk=pk).first()
    if transfer is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    may_decide = "decide" in selectors.actions_for(request.user, None, transfer)
    if request.method == "POST" and may_decide and form.is_valid():
        run_service(request, lambda: services.exchange_district_decide(
            actor=request.user, transfer_id=pk, approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"]))
        return redirect("personnel_district:exchange_detail", pk=pk)
    return render(request, "personnel/exchange/district_detail.html", {
        "t": transfer, "events": transfer.events.select_related("actor", "unit"),
        "form": form if may_decide else None,
    })


@login_required
def rollup(request):
    _district_hr(request)
    rows, total = figures.district_rollup()
    return render(request, "personnel/exchange/district_rollup.html", {"rows": rows, "total": total})
