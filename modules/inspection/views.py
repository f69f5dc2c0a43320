"""Pages of the inspection module. Thin: membership is checked by the middleware (404 for
non-members), the module gate by the registry, roles and object permissions here through
the selectors, and every rule of the work itself by the services."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.feedback import error_messages
from zhengtong.core.permissions import require_perm
from zhengtong.core.submissions import once_per_submission
from zhengtong.imports.writers import XLSX_TYPE
from zhengtong.registry.registry import localized

from . import forms, scoring, selectors, services
from .exports import ranking_export
from .indicators import BY_KEY, FIELD_LABELS, FILING_FIELDS, INDICATORS
from .manifest import EXECUTOR, INSPECTOR, REVIEWER, SELECTOR, SUPERVISOR
from .models import CaseAssignment, Finding, InspectionCase, ReviewDecision
from .rules import current_rules
from .services.cases import ASSIGNABLE, INSPECTION_WORK, WITHDRAWABLE, current_report
from .validators import Period

S = InspectionCase.Status
R = CaseAssignment.Role


# ---------------------------------------------------------------- taxpayers and filings
@login_required
def entity_list(request):
    require_perm(request, "inspection.view_inspectedentity")
    q = request.GET.get("q", "").strip()
    industry = request.GET.get("industry", "").strip()
    page = Paginator(selectors.entity_list(user=request.user, search=q, industry=industry), 25).get_page(
        request.GET.get("page"))
    return render(request, "inspection/entity_list.html", {"page": page, "q": q, "industry": industry})


@login_required
@once_per_submission
def entity_create(request):
    require_perm(request, "inspection.add_inspectedentity")
    form = forms.EntityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entity = services.entity_register(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Taxpayer %(n)s registered.") % {"n": entity.name})
            return redirect("inspection:entity_detail", pk=entity.pk)
    return render(request, "inspection/form.html", {"form": form, "title": _("Register a taxpayer")})


@login_required
def entity_detail(request, pk):
    entity = selectors.entity_get(user=request.user, pk=pk)
    filings = selectors.entity_indicators(entity=entity)
    form = None
    if request.user.has_perm("inspection.add_financialfiling"):
        form = forms.FilingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.filing_save(actor=request.user, entity=entity, period=data.pop("period"),
                                     filed_on=data.pop("filed_on"), **data)
            except (ValidationError, PermissionDenied) as exc:
                error_messages(request, exc)
            else:
                messages.success(request, _("Filing saved."))
                return redirect("inspection:entity_detail", pk=entity.pk)
    cases = selectors.case_list(user=request.user).filter(entity=entity)
    return render(request, "inspection/entity_detail.html", {
        "entity": entity, "filings": filings, "form": form, "indicators": INDICATORS, "cases": cases,
        "figure_rows": [(localized(*FIELD_LABELS[k]), k) for k in FILING_FIELDS],
    })


@login_required
def filings_import(request):
    require_perm(request, "inspection.add_financialfiling")
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.filings_import(actor=request.user, filename=upload.name, data=upload.read())
        except PermissionDenied as exc:
            error_messages(request, exc)
        else:
            if not result.errors:
                messages.success(request, _("Imported: %(e)d new taxpayers, %(f)d new filings, %(u)d corrected "
                                            "filings.") % {"e": result.entities_created, "f": result.filings_created,
                                                           "u": result.filings_updated})
                messages.info(request, _("Figures taken from the file's columns: %(c)s. Figures of columns the "
                                         "file does not have were left as they were.") % {
                    "c": "、".join(result.figure_columns) or "—"})
                return redirect("inspection:entity_list")
    return render(request, "inspection/import.html", {
        "form": form, "result": result, "title": _("Import taxpayers and filings"),
        "template_url": "inspection:filings_template",
        "help": _("A correction file may carry only some columns: figures of columns it does not have stay as "
                  "they are; an empty cell means not reported. 上期营业收入 only when the previous period was "
                  "not filed here.")})


@login_required
def filings_template(request):
    require_perm(request, "inspection.add_financialfiling")
    response = HttpResponse(services.import_template(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="filings-template.xlsx"'
    return response


# ---------------------------------------------------------------- benchmarks
@login_required
def benchmark_list(request):
    require_perm(request, "inspection.view_industrybenchmark")
    period = request.GET.get("period", "").strip()
    industry = request.GET.get("industry", "").strip()
    compute = forms.BenchmarkComputeForm(request.POST or None) if request.user.has_perm(
        "inspection.add_industrybenchmark") else None
    outcomes = None
    if compute is not None and request.method == "POST" and compute.is_valid():
        try:
            outcomes = services.benchmark_compute(actor=request.user, **compute.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Benchmarks computed."))
    rows = selectors.benchmark_list(user=request.user, period=period, industry=industry)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "inspection/benchmark_list.html", {
        "page": page, "period": period, "industry": industry, "compute": compute, "by_key": BY_KEY,
        "outcomes": outcomes, "periods": selectors.filing_periods(), "codes": selectors.industry_codes(),
        "min_sample": current_rules().benchmark_min_sample,
    })


@login_required
def benchmarks_import(request):
    require_perm(request, "inspection.add_industrybenchmark")
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.benchmarks_import(actor=request.user, filename=upload.name, data=upload.read())
        except PermissionDenied as exc:
            error_messages(request, exc)
        else:
            if not result.errors:
                messages.success(request, _("%(n)d benchmarks imported.") % {"n": result.benchmarks_saved})
                return redirect("inspection:benchmark_list")
    return render(request, "inspection/import.html", {
        "form": form, "result": result, "title": _("Import industry benchmarks"),
        "help": _("Columns: 行业代码, 期间, 指标, 基准值. Rates in percent (3.5 = 3.5%), turnovers in times."),
    })


# ---------------------------------------------------------------- regulation library
@login_required
def regulation_list(request):
    require_perm(request, "inspection.view_regulationarticle")
    q = request.GET.get("q", "").strip()
    on = request.GET.get("on", "").strip()
    in_force = None
    if on:
        try:
            from datetime import date

            in_force = date.fromisoformat(on)
        except ValueError:
            messages.error(request, _("Write dates as 2024-03-31 (日期格式应为2024-03-31)."))
    page = Paginator(selectors.regulation_search(user=request.user, q=q, in_force_on=in_force), 20).get_page(
        request.GET.get("page"))
    return render(request, "inspection/regulation_list.html", {"page": page, "q": q, "on": on})


@login_required
@once_per_submission
def regulation_create(request):
    require_perm(request, "inspection.add_regulationarticle")
    form = forms.RegulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.regulation_add(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("inspection:regulation_detail", pk=article.pk)
    return render(request, "inspection/form.html", {"form": form, "title": _("Add an article")})


@login_required
def regulation_detail(request, pk):
    article = selectors.regulation_get(user=request.user, pk=pk)
    findings = Finding.objects.filter(articles=article).select_related("case")
    visible_cases = set(selectors.case_list(user=request.user).values_list("pk", flat=True))
    return render(request, "inspection/regulation_detail.html", {
        "article": article, "in_force": article.in_force_on(timezone.localdate()),
        "findings": [f for f in findings if f.case_id in visible_cases]})


# ---------------------------------------------------------------- case selection (选案)
def _require_ranking(request) -> None:
    """The ranking (page and export): selectors, who select from it, and the supervisors."""
    if not (request.user.has_perm("inspection.add_inspectioncase") or request.user.has_perm(
            "inspection.view_dashboard")):
        raise PermissionDenied


@login_required
def candidates(request):
    _require_ranking(request)
    periods = selectors.filing_periods()
    period = request.GET.get("period") or (periods[0] if periods else "")
    show_all = request.GET.get("all") == "1"
    ranking = []
    if period:
        try:
            period = str(Period.parse(period))
        except ValidationError as exc:
            error_messages(request, exc)
            period = ""
        else:
            ranking = selectors.candidate_ranking(period=period, include_all=show_all)
    rules = current_rules()
    return render(request, "inspection/candidates.html", {
        "ranking": ranking, "period": period, "periods": periods, "show_all": show_all, "rules": rules,
        "indicators": INDICATORS, "may_select": request.user.has_role(SELECTOR), "indicator_count": len(INDICATORS),
    })


@login_required
def candidates_export(request):
    _require_ranking(request)
    try:
        period = str(Period.parse(request.GET.get("period", "")))
    except ValidationError as exc:
        error_messages(request, exc)
        return redirect("inspection:candidates")
    show_all = request.GET.get("all") == "1"
    data = ranking_export(actor=request.user, period=period, include_all=show_all)
    return FileResponse(data, as_attachment=True, filename=f"选案排序-{period}.xlsx", content_type=XLSX_TYPE)


@login_required
@require_POST
def candidate_select(request):
    if not request.user.has_perm("inspection.add_inspectioncase"):
        raise PermissionDenied
    entity = selectors.entity_get(user=request.user, pk=int(request.POST.get("entity", 0) or 0))
    period = request.POST.get("period", "")
    try:
        case = services.case_select(actor=request.user, entity=entity, period=period)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
        return redirect(f"{_url('inspection:candidates')}?period={period}")
    messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
    return redirect("inspection:case_detail", pk=case.pk)


def _url(name: str, **kw) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kw or None)


@login_required
@once_per_submission
def case_manual(request):
    if not request.user.has_perm("inspection.add_inspectioncase"):
        raise PermissionDenied
    form = forms.ManualCaseForm(request.POST or None, entities=selectors.entity_list(user=request.user),
                                initial={"entity": request.GET.get("entity")})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open_manual(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
            return redirect("inspection:case_detail", pk=case.pk)
    return render(request, "inspection/form.html", {"form": form, "title": _("Open a case by hand")})


# ---------------------------------------------------------------- cases
@login_required
def case_list(request):
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    qs = selectors.case_list(user=request.user, status=status, search=q, mine=mine)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "inspection/case_list.html", {"page": page, "status": status, "q": q, "mine": mine,
                                                         "statuses": S.choices, "today": timezone.localdate()})


def _my_assignment(case, user, role):
    return case.assignments.filter(user_id=user.pk, role=role, removed_at__isnull=True).first()


def available_actions(case: InspectionCase, user) -> set[str]:
    """Which forms to show this person. Only a convenience: the services decide."""
    acts: set[str] = set()
    if user.has_role(SUPERVISOR):
        for role, states in ASSIGNABLE.items():
            if case.status in states:
                acts.add(f"assign_{role}")
        if case.status not in (S.CLOSED, S.WITHDRAWN, S.SUSPENDED):
            acts.add("suspend")
        if case.status == S.SUSPENDED:
            acts.add("resume")
        effective = case.status_before_suspension if case.status == S.SUSPENDED else case.status
        if effective in WITHDRAWABLE:
            acts.add("withdraw")
        if case.status == S.EXECUTING:
            acts.add("close")
        decision = ReviewDecision.objects.filter(case=case).first()
        if decision is not None and decision.total == 0 and case.status in (S.DECIDED, S.EXECUTING):
            acts.add("close")
    if case.assignments.filter(user_id=user.pk, removed_at__isnull=True, conflict__isnull=True).exists():
        acts.add("declare")
    mine = {a.role: a for a in case.assignments.filter(user_id=user.pk, removed_at__isnull=True, conflict=False)}
    if R.INSPECTOR in mine and user.has_role(INSPECTOR):
        if case.status in INSPECTION_WORK:
            acts |= {"paper", "evidence", "finding", "finding_update", "report_submit"}
            report = case.reports.filter(round=case.returns.count() + 1).first()
            if report is not None and report.submitted_by_id != user.pk:
                acts.add("report_cosign")
                acts.discard("report_submit")
        elif case.status not in (S.SELECTED, S.ASSIGNED, S.CLOSED, S.WITHDRAWN):
            acts.add("change_finding")
    if R.REVIEWER in mine and user.has_role(REVIEWER):
        if case.status == S.UNDER_REVIEW:
            acts |= {"review_return", "review_decide"}
        if case.status in (S.DECIDED, S.EXECUTING):
            acts.add("change_decision")
    if R.EXECUTOR in mine and user.has_role(EXECUTOR) and case.status == S.EXECUTING:
        acts |= {"payment", "measure", "close"}
    return acts


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    acts = available_actions(case, request.user)
    amounts = selectors.case_amounts(case)
    decision = ReviewDecision.objects.filter(case=case).select_related("decided_by").first()
    people = selectors.case_people(case)
    assign_forms = {}
    for role, key in ((R.INSPECTOR, INSPECTOR), (R.REVIEWER, REVIEWER), (R.EXECUTOR, EXECUTOR)):
        if f"assign_{role}" in acts:
            taken = {a.user_id for a in people[role] if a.removed_at is None}
            assign_forms[role] = forms.AssignForm(
                prefix=f"assign_{role}", candidates=[u for u in selectors.role_holders(key) if u.pk not in taken])
    proposed = amounts["proposed"]
    snapshot = scoring.contributions_from_snapshot(case.score_snapshot)
    ctx = {
        "case": case, "entity": case.entity, "acts": acts, "amounts": amounts, "decision": decision,
        "people": people, "assign_forms": assign_forms,
        "snapshot": snapshot, "snapshot_unscored": scoring.unscored(snapshot),
        "snapshot_scored": len(snapshot) - len(scoring.unscored(snapshot)),
        "snapshot_flags": scoring.flags_from_snapshot(case.score_snapshot),
        "papers": case.papers.select_related("prepared_by").prefetch_related("evidence__added_by"),
        "findings": case.findings.select_related("recorded_by", "paper").prefetch_related("articles"),
        "reports": case.reports.select_related("submitted_by", "cosigned_by"),
        "current_report": current_report(case),
        "returns": case.returns.select_related("returned_by"),
        "payments": case.payments.select_related("recorded_by"),
        "measures": case.measures.select_related("recorded_by"),
        "change_requests": change_rows(case),
        "timeline": timeline_rows(selectors.case_timeline(case=case)),
        "step_overdue": selectors.step_overdue(case),
        "payment_overdue": selectors.payment_overdue(case, amounts),
        "min_inspectors": current_rules().min_inspectors,
        "cleared_inspectors": sum(1 for a in people[R.INSPECTOR] if a.cleared),
        "forms": {
            "declare": forms.DeclareForm(),
            "paper": forms.PaperForm(),
            "evidence": forms.EvidenceForm(case=case),
            "finding": forms.FindingForm(case=case),
            "report": forms.ReportForm(),
            "return": forms.ReasonForm(),
            "decide": forms.DecisionForm(initial={
                "kind": ReviewDecision.Kind.TAX_AND_PENALTY if proposed.penalty else (
                    ReviewDecision.Kind.TAX_ONLY if proposed.total else ReviewDecision.Kind.NO_VIOLATION),
                "tax_amount": proposed.tax, "late_fee_amount": proposed.late_fee,
                "penalty_amount": proposed.penalty}),
            "payment": forms.PaymentForm(initial={"received_on": timezone.localdate()}),
            "measure": forms.MeasureForm(initial={"started_on": timezone.localdate()}),
            "close": forms.CloseForm(),
            "reason": forms.ReasonForm(),
            "change_decision": forms.ChangeDecisionForm(),
        },
        "stages": stage_bar(case),
        "documents": _documents(case, decision, request.user),
        "amount_rows": [(localized(zh, en), amounts[k]) for k, zh, en in (
            ("proposed", "拟查补", "Proposed"), ("decided", "决定", "Decided"), ("collected", "已入库", "Collected"),
            ("outstanding", "尚欠", "Outstanding"))],
    }
    return render(request, "inspection/case_detail.html", ctx)


def stage_bar(case: InspectionCase) -> list[dict]:
    """The four stages (and closure) with where the case stands."""
    status = case.status_before_suspension if case.status == S.SUSPENDED else case.status
    keys = [key for key, *_rest in selectors.STAGES] + ["closed"]
    current = "closed" if status in (S.CLOSED, S.WITHDRAWN) else next(
        key for key, _zh, _en, states in selectors.STAGES if status in states)
    at = keys.index(current)
    labels = {key: localized(zh, en) for key, zh, en, _s in selectors.STAGES} | {"closed": localized("结案", "Closed")}
    return [{"label": labels[k], "state": "done" if i < at or status == S.CLOSED else ("current" if i == at else "")}
            for i, k in enumerate(keys)]


ACTION_LABELS = {
    "select": ("选案立案", "Case selected"), "assign": ("分配人员", "People assigned"),
    "declare": ("利益冲突申报", "Conflict-of-interest declaration"), "paper": ("新增底稿", "Working paper added"),
    "evidence": ("新增证据", "Evidence added"), "finding": ("记录检查发现", "Finding recorded"),
    "finding_update": ("修改检查发现", "Finding changed"), "report_submit": ("提交检查报告", "Inspection report submitted"),
    "report_cosign": ("会签检查报告", "Inspection report co-signed"), "review_return": ("审理退回补充", "Returned by review"),
    "review_decide": ("作出审理决定", "Review decision issued"), "payment": ("税款入库", "Payment recorded"),
    "measure": ("采取执行措施", "Enforcement measure"), "close": ("结案", "Case closed"),
    "suspend": ("中止", "Suspended"), "resume": ("恢复", "Resumed"), "withdraw": ("撤销", "Withdrawn"),
    "overdue": ("超期预警", "Overdue warning"), "payment_overdue": ("缴款超期预警", "Payment overdue warning"),
    "change_request": ("提出变更申请", "Change requested"), "change_approve": ("批准变更", "Change approved"),
    "change_reject": ("驳回变更", "Change rejected"), "document": ("生成文书", "Document generated"),
}


DETAIL_HIDDEN = ("drivers", "request", "finding", "paper", "evidence", "payment", "measure", "target_id",
                 "requested_by", "submitted_by", "of", "articles")
DETAIL_LABELS = {
    "status": ("状态", "state"), "role": ("环节", "stage"), "users": ("人员", "people"), "conflict": ("利益冲突", "conflict"),
    "note": ("说明", "note"), "source": ("来源", "source"), "period": ("期间", "period"), "score": ("分值", "score"),
    "rank": ("排名", "rank"), "flags": ("标记", "flags"), "kind": ("类别", "kind"), "reason": ("理由", "reason"),
    "title": ("标题", "title"), "description": ("内容", "description"), "tax_amount": ("税款", "tax"),
    "late_fee_amount": ("滞纳金", "late fees"), "penalty_amount": ("罚款", "penalty"), "amount": ("金额", "amount"),
    "received_on": ("日期", "date"), "reference": ("凭证号", "reference"), "summary": ("摘要", "summary"),
    "round": ("轮次", "round"), "outcome": ("结案方式", "outcome"), "due": ("期限", "due"),
    "days_late": ("超期天数", "days late"), "number": ("编号", "number"), "report": ("文书", "document"),
    "tax_decision_number": ("处理决定书", "tax decision"), "penalty_decision_number": ("处罚决定书", "penalty decision"),
    "payment_due_on": ("缴款期限", "payment due"), "started_on": ("起", "from"), "ended_on": ("止", "until"),
    "obtained_how": ("取证方式", "obtained"), "obtained_on": ("取证日期", "obtained on"), "target": ("对象", "what"),
    "outstanding": ("尚欠", "outstanding"), "opinion": ("审理意见", "opinion"), "use": ("用途", "use"),
    "file": ("文件", "file"), "size": ("大小", "size"), "type": ("类型", "type"), "sha256": ("SHA-256", "SHA-256"),
}


def _detail_label(key: str) -> str:
    return localized(*DETAIL_LABELS[key]) if key in DETAIL_LABELS else key


def _detail_value(key: str, value) -> str:
    """An audit value as a person reads it: state names, people's names, yes/no."""
    if key == "status" and value in S.values:
        return str(S(value).label)
    if key == "role" and value in R.values:
        return str(R(value).label)
    if key == "outcome" and value in InspectionCase.Outcome.values:
        return str(InspectionCase.Outcome(value).label)
    if isinstance(value, bool):
        return localized("有", "yes") if value else localized("无", "no")
    if isinstance(value, list):
        return "、".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{_detail_label(k)} {v}" for k, v in value.items())
    return str(value)


def timeline_rows(events) -> list[dict]:
    rows = []
    for e in events:
        key = e.action.removeprefix("inspection.case.")
        if e.action.startswith("files.attachment."):
            label = localized("上传证据文件", "Evidence file added") if e.action.endswith("add") else localized(
                "删除证据文件", "Evidence file removed")
        else:
            label = localized(*ACTION_LABELS[key]) if key in ACTION_LABELS else e.action
        detail = e.detail if e.result == "denied" else ""
        if not detail and e.after:
            detail = "；".join(f"{_detail_label(k)}：{_detail_value(k, v)}" for k, v in e.after.items()
                              if k not in DETAIL_HIDDEN and v not in (None, "", []))
        rows.append({"at": e.occurred_at, "actor": e.actor_label or localized("系统", "System"), "label": label,
                     "denied": e.result == "denied", "detail": detail[:300]})
    return rows


def change_rows(case: InspectionCase) -> list[dict]:
    """Each change request with both versions side by side and its approval request."""
    from zhengtong.approvals.selectors import requests_for_subject

    from .services.changes import CHANGE_TYPE

    labels = {"description": _("finding"), "opinion": _("review opinion"), "tax_amount": _("tax"),
              "late_fee_amount": _("late fees"), "penalty_amount": _("penalty"), "amount": _("amount"),
              "received_on": _("received on"), "reference": _("receipt number")}
    rows = []
    for cr in selectors.change_requests(case=case):
        changed = [k for k in cr.after if cr.after[k] != cr.before.get(k)]
        approval = requests_for_subject(CHANGE_TYPE, cr.pk).first()
        rows.append({"cr": cr, "fields": [(labels.get(k, k), cr.before.get(k), cr.after[k]) for k in changed],
                     "approval": approval})
    return rows


def _documents(case, decision, user) -> list[dict]:
    """The case's documents: this person's latest copy of each (they are downloaded by the
    person who asked for them) and, for those who may, a button to generate one."""
    from django.urls import reverse

    from zhengtong.reports.models import IssuedDocument

    from .reports.documents import DOCUMENTS

    if decision is None:
        return []
    mine = list(IssuedDocument.objects.filter(requested_by=user, report_key__in=list(DOCUMENTS),
                                              parameters__case=case.pk).order_by("-requested_at", "-id"))
    may = user.has_perm("inspection.issue_case_documents")
    out = []
    for key, (zh, en, applies) in DOCUMENTS.items():
        if not applies(decision):
            continue
        entry = {"key": key, "name": localized(zh, en)}
        latest = next((d for d in mine if d.report_key == key), None)
        if latest is not None and latest.status == IssuedDocument.Status.DONE:
            entry.update(url=reverse("reports:download", args=[latest.pk]), note=latest.number)
        elif latest is not None and latest.is_pending:
            entry.update(url=reverse("reports:detail", args=[latest.pk]),
                         note=f"{latest.number} {latest.get_status_display()}")
        if may:
            entry["generate_url"] = reverse("inspection:case_document", args=[case.pk, key])
        if entry.get("url") or may:
            out.append(entry)
    return out


@login_required
@require_POST
def case_document(request, pk, key):
    case = selectors.case_get(user=request.user, pk=pk)
    try:
        document = services.case_document_request(actor=request.user, case=case, report_key=key)
    except ValueError:
        raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
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
    try:
        message = handler(request, case)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    else:
        if message:
            messages.success(request, message)
    try:
        selectors.case_get(user=request.user, pk=pk)
    except Http404:  # e.g. a declared conflict took the case away from this person
        return redirect("inspection:case_list")
    return redirect("inspection:case_detail", pk=pk)


def _valid(form_class, request, **kw):
    form = form_class(request.POST, **kw)
    if not form.is_valid():
        raise ValidationError([f"{form.fields[f].label if f in form.fields else ''}: {e}"
                               for f, errs in form.errors.items() for e in errs])
    return form.cleaned_data


def _assign(role):
    def act(request, case):
        from zhengtong.accounts.models import User

        ids = [int(i) for i in request.POST.getlist(f"assign_{role}-users") if str(i).isdigit()]
        users = list(User.objects.filter(pk__in=ids))
        if not users:
            raise ValidationError(_("Choose at least one person (请至少选择一人)."))
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


# ---------------------------------------------------------------- supervision
@login_required
def dashboard(request):
    require_perm(request, "inspection.view_dashboard")
    return render(request, "inspection/dashboard.html", {"d": selectors.dashboard(), "today": timezone.localdate()})


@login_required
def home(request):
    if request.user.has_perm("inspection.view_dashboard"):
        return redirect("inspection:dashboard")
    if request.user.has_perm("inspection.add_inspectioncase"):
        return redirect("inspection:candidates")
    return redirect("inspection:case_list")

