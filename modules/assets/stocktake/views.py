"""Pages of stocktake campaigns and asset labels. Thin: permission checks through the
selectors (404 for what a person may not read), writes through the services."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.approvals.models import ApprovalRequest
from zhengtong.core.actions import run_service
from zhengtong.core.submissions import once_per_submission

from .. import selectors as asset_selectors
from . import labels, selectors, services
from .forms import AnswerForm, CampaignForm, CountersForm, CountForm, ObjectionForm, SurplusForm
from .models import Objection


@login_required
def campaign_list(request):
    return render(request, "stocktake/campaign_list.html", {
        "campaigns": [(c, selectors.progress(c)) for c in selectors.campaign_list(user=request.user)[:100]],
        "can_manage": services.can_manage(request.user),
    })


@login_required
@once_per_submission
def campaign_create(request):
    if not services.can_manage(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.campaign_start(actor=request.user, title=d["title"], deadline=d["deadline"],
                                               counters=d["counters"], class_codes=d["classes"],
                                               departments=d["departments"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Stocktake started: %(n)d assets in the snapshot.")
                             % {"n": campaign.lines.count()})
            return redirect("assets:stocktake:detail", pk=campaign.pk)
    return render(request, "stocktake/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    manager = services.can_manage(request.user)
    notice_open = services.notice_open(campaign)
    actions = selectors.actions_for(request.user, campaign)
    d = selectors.discrepancies(campaign) if notice_open else None
    return render(request, "stocktake/campaign_detail.html", {
        # An objection may name the card it is about: one of the discrepancies, usually.
        "objection_lines": sorted([*d.shortages, *d.mismatched_lines], key=lambda ln: ln.number) if d else [],
        "campaign": campaign, "progress": selectors.progress(campaign), "actions": actions,
        "counters": campaign.counters.order_by("name", "email"),
        "notice_open": notice_open,
        "objections": campaign.objections.select_related("raised_by", "answered_by", "line"),
        "objection_form": ObjectionForm(), "answer_form": AnswerForm(),
        "counters_form": CountersForm(initial={"counters": list(campaign.counters.values_list("pk", flat=True))})
        if "counters" in actions else None,
        "approvals": ApprovalRequest.objects.filter(type_key=services.ADJUSTMENT, subject_id=campaign.pk)
        .order_by("-pk") if manager else [],
    })


@login_required
def campaign_report(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return render(request, "stocktake/report.html", {
        "campaign": campaign, "d": selectors.discrepancies(campaign), "progress": selectors.progress(campaign)})


@login_required
def count(request, pk):
    """The counter's phone page: scan a label (the QR's URL) or type a number or name."""
    campaign = selectors.counting_campaign_get(user=request.user, pk=pk)
    q = request.GET.get("q", "").strip()
    hosts = [request.get_host().rsplit(":", 1)[0], *request.tenant.domains.values_list("domain", flat=True)]
    try:
        lines = selectors.line_search(campaign=campaign, q=q, hosts=hosts)
    except selectors.ForeignLabel:
        lines = []
        messages.error(request, _("This label belongs to another unit (该标签属于其他单位的资产)."))
    return render(request, "stocktake/count.html", {
        "campaign": campaign, "q": q, "lines": lines, "progress": selectors.progress(campaign),
        "pending": [] if q else selectors.pending_lines(campaign=campaign),
        "people": selectors.unit_people(), "conditions": CountForm.base_fields["condition"].choices,
        "counting": services.can_count(campaign, request.user) is None})


@login_required
@require_POST
def line_count(request, pk, line_id):
    campaign = selectors.counting_campaign_get(user=request.user, pk=pk)
    line = campaign.lines.filter(pk=line_id).first()
    if line is None:
        raise Http404
    form = CountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the count: %(e)s") % {"e": "; ".join(
            f"{k}: {' '.join(v)}" for k, v in form.errors.items())})
    else:
        run_service(request, lambda: services.line_count(actor=request.user, line=line, **form.cleaned_data),
                    success=_("%(n)s: %(r)s") % {"n": line.number,
                                                 "r": dict(line.Result.choices)[form.cleaned_data["result"]]})
    # Back to the search the counter came from, ready for the next scan.
    url = reverse("assets:stocktake:count", args=[campaign.pk])
    q = request.POST.get("q", "").strip()
    return redirect(f"{url}?{urlencode({'q': q})}" if q else url)


@login_required
def surplus_add(request, pk):
    campaign = selectors.counting_campaign_get(user=request.user, pk=pk)
    form = SurplusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.surplus_add(actor=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Surplus item recorded."))
            return redirect("assets:stocktake:count", pk=campaign.pk)
    return render(request, "stocktake/surplus_form.html", {"campaign": campaign, "form": form})


@login_required
@require_POST
def counters(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied
    form = CountersForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Assign at least one counter (请至少指定一名盘点人)."))
    else:
        run_service(request, lambda: services.counters_set(actor=request.user, campaign=campaign,
                                                           counters=form.cleaned_data["counters"]),
                    success=_("Counters saved."))
    return redirect("assets:stocktake:detail", pk=campaign.pk)


@login_required
@require_POST
def publish(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied
    done, published = run_service(request, lambda: services.campaign_publish(actor=request.user, campaign=campaign))
    if done:
        messages.success(request, _("Results published for public notice until %(t)s.")
                         % {"t": timezone.localtime(published.notice_ends_at).strftime("%Y-%m-%d %H:%M")})
    return redirect("assets:stocktake:detail", pk=campaign.pk)


@login_required
@require_POST
def objection_raise(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.objection_raise(
            actor=request.user, campaign=campaign, text=form.cleaned_data["text"], line=form.cleaned_data.get("line")),
            success=_("Your objection was recorded."))
    else:
        messages.error(request, _("Write what you object to (请填写异议内容)."))
    return redirect("assets:stocktake:detail", pk=campaign.pk)


@login_required
@require_POST
def objection_answer(request, pk, objection_id):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied
    objection = Objection.objects.filter(pk=objection_id, campaign=campaign).first()
    if objection is None:
        raise Http404
    form = AnswerForm(request.POST)
    if form.is_valid():
        services.objection_answer(actor=request.user, objection=objection, answer=form.cleaned_data["answer"])
        messages.success(request, _("Answer recorded."))
    else:
        messages.error(request, _("Write the answer (请填写答复)."))
    return redirect("assets:stocktake:detail", pk=campaign.pk)


@login_required
@require_POST
def adjust(request, pk):
    """Send the book adjustments into approval; refused (with the reason) during the notice."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied
    done, req = run_service(request, lambda: services.adjustments_submit(
        actor=request.user, campaign=campaign, reason=request.POST.get("reason", "")),
        success=_("Book adjustments sent for approval."))
    if not done:
        return redirect("assets:stocktake:detail", pk=campaign.pk)
    return redirect("approvals:detail", pk=req.pk)


@login_required
@require_POST
def close(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied
    run_service(request, lambda: services.campaign_close(actor=request.user, campaign=campaign),
                success=_("Stocktake closed: the count matched the books."))
    return redirect("assets:stocktake:detail", pk=campaign.pk)


# ------------------------------------------------------------------ labels


@login_required
def label_sheet(request):
    """Pick cards (those the person may see) and download their QR labels as a PDF."""
    q = request.GET.get("q", "").strip()
    assets = asset_selectors.asset_list(user=request.user, search=q)
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("asset") if x.isdigit()]
        chosen = list(asset_selectors.asset_list(user=request.user).filter(pk__in=ids)[:labels.MAX_LABELS + 1])
        if not chosen:
            messages.error(request, _("Choose at least one asset (请至少选择一项资产)."))
        elif len(chosen) > labels.MAX_LABELS:
            messages.error(request, _("At most %(n)d labels at a time (每次最多打印%(n)d张标签).")
                           % {"n": labels.MAX_LABELS})
        else:
            pdf = labels.labels_pdf(unit=request.tenant, assets=chosen)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = 'attachment; filename="asset-labels.pdf"'
            return response
    return render(request, "stocktake/labels.html", {"assets": assets[:500], "q": q,
                                                     "more": assets[500:501].exists()})
