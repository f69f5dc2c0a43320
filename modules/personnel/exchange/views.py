"""Unit pages of the cross-unit transfer handshake (under /m/personnel/exchange/).

Only the unit's HR (personnel.hr) opens them; a transfer is visible to a unit only when the
unit is its sender or its named receiver, and each action only to the party it belongs to
(withdraw: sender; accept/decline: receiver). Anything else is a 404, which does not tell
whether the transfer exists. The services check the same again.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zhengtong.core.actions import run_service

from . import selectors, services
from .models import CrossUnitTransfer

ORDER_REPORT = "personnel.transfer_order"


def _hr_only(request) -> None:
    if not selectors.is_unit_hr(request.user, request.tenant):
        raise Http404


def _hr_or_leader(request) -> None:
    if not selectors.may_read_exchanges(request.user, request.tenant):
        raise Http404


def _as_party(request, pk: int, *, sender: bool) -> CrossUnitTransfer:
    """The transfer, when this unit is its sender (``sender``) or its receiver; else a 404."""
    transfer = _transfer_for(request, pk)
    if (transfer.sender_id if sender else transfer.receiver_id) != request.tenant.pk:
        raise Http404
    return transfer


def _transfer_for(request, pk: int) -> CrossUnitTransfer:
    unit = request.tenant
    transfer = (CrossUnitTransfer.objects.filter(pk=pk).filter(Q(sender=unit) | Q(receiver=unit))
                .select_related("sender", "receiver", "issued_by", "accepted_by", "district_decided_by").first())
    if transfer is None:
        raise Http404
    return transfer


class IssueForm(forms.Form):
    person = forms.TypedChoiceField(label=gettext_lazy("Person"), coerce=int)
    receiver = forms.TypedChoiceField(label=gettext_lazy("Receiving unit"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=CrossUnitTransfer.Kind.choices,
                             initial=CrossUnitTransfer.Kind.TRANSFER, required=False)
    effective_date = forms.DateField(label=gettext_lazy("Effective date"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=gettext_lazy("Secondment ends (secondments only)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, people, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            (p.pk, f"{p.name}（{p.department or '—'} / {p.post.title if p.post else '—'}）") for p in people]
        self.fields["receiver"].choices = [(u.pk, u.name) for u in receivers]
        self.fields["effective_date"].initial = timezone.localdate()


class AcceptForm(forms.Form):
    department = forms.TypedChoiceField(label=gettext_lazy("Department"), coerce=int)
    post = forms.TypedChoiceField(label=gettext_lazy("Post (not for a secondment)"), coerce=int, required=False,
                                  empty_value=None)
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for exceeding the establishment (only if the post is full)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        from ..models import Department, Post

        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, d.name) for d in Department.objects.all()]
        self.posts = list(Post.objects.select_related("department"))
        self.fields["post"].choices = [("", "—")] + [
            (p.pk, f"{p.department.name} / {p.title}（{_('vacancies')} {selectors.vacancy_of(p)}）")
            for p in self.posts]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


@login_required
def exchange_list(request):
    _hr_or_leader(request)
    unit = request.tenant
    qs = CrossUnitTransfer.objects.select_related("sender", "receiver")
    return render(request, "personnel/exchange/list.html", {
        "is_hr": selectors.is_unit_hr(request.user, unit),
        "outgoing": qs.filter(sender=unit)[:200],
        "incoming": qs.filter(receiver=unit)[:200],
    })


@login_required
@require_http_methods(["GET", "POST"])
def exchange_issue(request):
    from zhengtong.core.permissions import visible

    from ..models import Person

    _hr_only(request)
    people = visible(request.user, "personnel.view_person",
                     Person.objects.filter(status=Person.Status.IN_POST, external=False)
                     .select_related("department", "post"))
    form = IssueForm(request.POST or None, people=people, receivers=selectors.receiving_units(request.tenant),
                     initial={"person": request.GET.get("person")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done, transfer = run_service(request, lambda: services.exchange_issue(
            actor=request.user, sender=request.tenant, person_id=d["person"], receiver_id=d["receiver"],
            reason=d["reason"], effective_date=d["effective_date"], kind=d["kind"] or CrossUnitTransfer.Kind.TRANSFER,
            end_date=d.get("end_date")))
        if done:
            messages.success(request, _("Transfer out issued: %(unit)s has been notified.")
                             % {"unit": transfer.receiver.name})
            return redirect("personnel:exchange_detail", pk=transfer.pk)
    return render(request, "personnel/exchange/issue.html", {"form": form})


@login_required
def exchange_detail(request, pk: int):
    _hr_or_leader(request)
    transfer = _transfer_for(request, pk)
    from zhengtong.reports.models import IssuedDocument

    unit = request.tenant
    is_sender = transfer.sender_id == unit.pk
    actions = selectors.actions_for(request.user, unit, transfer)
    return render(request, "personnel/exchange/detail.html", {
        "t": transfer,
        "actions": actions,
        "handover": selectors.handover_open(transfer) if is_sender and transfer.is_open else [],
        "events": transfer.events.select_related("actor", "unit"),
        "is_sender": is_sender,
        # The record this unit keeps: the sender's always, the receiver's once the transfer completed.
        "record_pk": transfer.sender_person_id if is_sender else transfer.receiver_person_id,
        "accept_form": AcceptForm() if "accept" in actions else None,
        "reason_form": ReasonForm(),
        "orders": IssuedDocument.objects.filter(report_key=ORDER_REPORT, parameters__exchange=transfer.pk,
                                                requested_by=request.user)[:5],
    })


@login_required
@require_POST
def exchange_accept(request, pk: int):
    _hr_only(request)
    _as_party(request, pk, sender=False)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the department and post (请选择部门和岗位)."))
        return redirect("personnel:exchange_detail", pk=pk)
    done, transfer = run_service(request, lambda: services.exchange_accept(
        actor=request.user, receiver=request.tenant, transfer_id=pk, department_id=form.cleaned_data["department"],
        post_id=form.cleaned_data["post"], override_reason=form.cleaned_data["override_reason"]))
    if done:
        messages.success(request, transfer.get_status_display())
    return redirect("personnel:exchange_detail", pk=pk)


def _close(request, pk: int, *, as_sender: bool):
    _hr_only(request)
    _as_party(request, pk, sender=as_sender)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if as_sender:
        run_service(request, lambda: services.exchange_withdraw(actor=request.user, sender=request.tenant,
                                                                transfer_id=pk, reason=reason))
    else:
        run_service(request, lambda: services.exchange_decline(actor=request.user, receiver=request.tenant,
                                                               transfer_id=pk, reason=reason))
    return redirect("personnel:exchange_detail", pk=pk)


@login_required
@require_POST
def exchange_decline(request, pk: int):
    return _close(request, pk, as_sender=False)


@login_required
@require_POST
def exchange_withdraw(request, pk: int):
    return _close(request, pk, as_sender=True)


@login_required
@require_POST
def exchange_handover_override(request, pk: int):
    _hr_or_leader(request)
    _as_party(request, pk, sender=True)
    form = ReasonForm(request.POST)
    run_service(request, lambda: services.exchange_handover_override(
        actor=request.user, sender=request.tenant, transfer_id=pk,
        reason=form.cleaned_data["reason"] if form.is_valid() else ""))
    return redirect("personnel:exchange_detail", pk=pk)


@login_required
@require_POST
def exchange_order(request, pk: int):
    """Request the 调令 PDF (numbered and rendered by the platform's reports pipeline)."""
    from zhengtong.reports.services import document_request

    _hr_only(request)
    transfer = _transfer_for(request, pk)
    if "order" not in selectors.actions_for(request.user, request.tenant, transfer):
        raise Http404
    try:
        document = document_request(actor=request.user, unit=request.tenant, report_key=ORDER_REPORT,
                                    parameters={"exchange": transfer.pk})
    except PermissionDenied:
        raise Http404 from None
    return redirect("reports:detail", pk=document.pk)
