"""What is done on a case's page: one POST endpoint per action (the ``ACTIONS`` table), each
validating its form and calling one service through run_service; and generating a document."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service
from zhengtong.core.errors import Invalid

from .. import forms, selectors, services
from ..models import CaseAssignment
from ..reports.documents import DOCUMENTS

R = CaseAssignment.Role


@login_required
@require_POST
def case_document(request, pk, key):
    case = selectors.case_get(user=request.user, pk=pk)
    if key not in DOCUMENTS:
        raise Http404
    done, document = run_service(request, lambda: services.case_document_request(
        actor=request.user, case=case, report_key=key))
    if not done:
        return redirect("inspection:case_detail", pk=pk)
    messages.success(request, _("Document %(n)s requested: it is being generated.") % {"n": document.number})
    return redirect("reports:detail", pk=document.pk)


@login_required
@require_POST
def case_action(request, pk, action):
    """One POST endpoint per case action; the service decides and records, the page shows
    the outcome (refusals in the person's language)."""
    case = selectors.case_get(user=request.user, pk=pk)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    done, message = run_service(request, lambda: handler(request, case))
    if done and message:
        messages.success(request, message)
    try:
        selectors.case_get(user=request.user, pk=pk)
    except Http404:  # e.g. a declared conflict took the case away from this person
        return redirect("inspection:case_list")
    return redirect("inspection:case_detail", pk=pk)


def _valid(form_class, request, **kw):
    form = form_class(request.POST, **kw)
    if not form.is_valid():
        raise Invalid([f"{form.fields[f].label if f in form.fields else ''}: {e}"
                       for f, errs in form.errors.items() for e in errs])
    return form.cleaned_data


def _assign(role):
    def act(request, case):
        from zhengtong.accounts.models import User

        ids = [int(i) for i in request.POST.getlist(f"assign_{role}-users") if str(i).isdigit()]
        users = list(User.objects.filter(pk__in=ids))
        if not users:
            raise Invalid(_("Choose at least one person (请至少选择一人)."))
        services.case_assign(actor=request.user, case=case, role=role, users=users)
        return _("Assigned.")

    return act


def _declare(request, case):
    data = _valid(forms.DeclareForm, request)
    services.conflict_declare(actor=request.user, case=case, has_conflict=data["has_conflict"], note=data["note"])
    return _("Declaration recorded.")


def _paper(request, case):
    data = _valid(forms.PaperForm, request)
    services.paper_add(actor=request.user, case=case, **data)
    return _("Working paper added.")


def _evidence(request, case):
    data = _valid(forms.EvidenceForm, request, case=case)
    services.evidence_add(actor=request.user, case=case, **data)
    return _("Evidence added.")


def _finding(request, case):
    data = _valid(forms.FindingForm, request, case=case)
    services.finding_add(actor=request.user, case=case, description=data["description"], paper=data["paper"],
                         articles=list(data["articles"]), tax_amount=data["tax_amount"],
                         late_fee_amount=data["late_fee_amount"], penalty_amount=data["penalty_amount"])
    return _("Finding recorded.")


def _finding_update(request, case):
    finding = case.findings.filter(pk=int(request.POST.get("finding", 0) or 0)).first()
    if finding is None:
        raise Http404
    data = _valid(forms.FindingForm, request, case=case)
    services.finding_update(actor=request.user, case=case, finding=finding, description=data["description"],
                            tax_amount=data["tax_amount"], late_fee_amount=data["late_fee_amount"],
                            penalty_amount=data["penalty_amount"], articles=list(data["articles"]))
    return _("Finding updated.")


def _report_submit(request, case):
    data = _valid(forms.ReportForm, request)
    services.report_submit(actor=request.user, case=case, summary=data["summary"])
    return _("Report submitted: a second inspector must co-sign it.")


def _report_cosign(request, case):
    services.report_cosign(actor=request.user, case=case)
    return _("Report co-signed: the inspection is submitted for review.")


def _review_return(request, case):
    data = _valid(forms.ReasonForm, request)
    services.review_return(actor=request.user, case=case, reason=data["reason"])
    return _("Returned to the inspectors.")


def _review_decide(request, case):
    data = _valid(forms.DecisionForm, request)
    services.review_decide(actor=request.user, case=case, **data)
    return _("Review decision issued.")


def _payment(request, case):
    data = _valid(forms.PaymentForm, request)
    services.payment_record(actor=request.user, case=case, **data)
    return _("Payment recorded.")


def _measure(request, case):
    data = _valid(forms.MeasureForm, request)
    services.measure_record(actor=request.user, case=case, **data)
    return _("Measure recorded.")


def _close(request, case):
    data = _valid(forms.CloseForm, request)
    services.case_close(actor=request.user, case=case, **data)
    return _("Case closed.")


def _suspend(request, case):
    services.case_suspend(actor=request.user, case=case, reason=_valid(forms.ReasonForm, request)["reason"])
    return _("Case suspended.")


def _resume(request, case):
    services.case_resume(actor=request.user, case=case, note=request.POST.get("reason", ""))
    return _("Case resumed.")


def _withdraw(request, case):
    services.case_withdraw(actor=request.user, case=case, reason=_valid(forms.ReasonForm, request)["reason"])
    return _("Case withdrawn.")


def _change_request(request, case):
    data = _valid(forms.ChangeRequestForm, request)
    fields = {k: data.get(k) for k in ("description", "opinion", "tax_amount", "late_fee_amount", "penalty_amount")}
    if "opinion" in request.POST:
        fields["opinion"] = request.POST.get("opinion", "")
    services.change_request_submit(actor=request.user, case=case, target=data["target"], target_id=data["target_id"],
                                   changes={k: v for k, v in fields.items() if v not in (None, "")},
                                   reason=data["reason"])
    return _("Change request submitted for approval.")


ACTIONS = {
    "assign_inspector": _assign(R.INSPECTOR), "assign_reviewer": _assign(R.REVIEWER),
    "assign_executor": _assign(R.EXECUTOR), "declare": _declare, "paper": _paper, "evidence": _evidence,
    "finding": _finding, "finding_update": _finding_update, "report_submit": _report_submit,
    "report_cosign": _report_cosign, "review_return": _review_return, "review_decide": _review_decide,
    "payment": _payment, "measure": _measure, "close": _close, "suspend": _suspend, "resume": _resume,
    "withdraw": _withdraw, "change_request": _change_request,
}
