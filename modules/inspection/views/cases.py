"""A case's pages: the list and the case itself — its stages, people, amounts, documents, the
changes to its submitted data and its timeline in words. The forms it shows are the actions
selectors.case_actions says this person may take."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.approvals.selectors import requests_for_subject
from zhengtong.registry.registry import localized
from zhengtong.reports.models import IssuedDocument

from .. import forms, scoring, selectors
from ..manifest import EXECUTOR, INSPECTOR, REVIEWER
from ..models import CaseAssignment, InspectionCase, ReviewDecision
from ..reports.documents import DOCUMENTS
from ..rules import current_rules
from ..services.changes import CHANGE_TYPE
from ..services.transitions import can_issue_document

S = InspectionCase.Status
R = CaseAssignment.Role


@login_required
def case_list(request):
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    qs = selectors.case_list(user=request.user, status=status, search=q, mine=mine)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "inspection/case_list.html", {"page": page, "status": status, "q": q, "mine": mine,
                                                         "statuses": S.choices})


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    acts = selectors.case_actions(user=request.user, case=case)
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
        "current_report": selectors.current_report(case),
        "returns": case.returns.select_related("returned_by"),
        "payments": case.payments.select_related("recorded_by"),
        "measures": case.measures.select_related("recorded_by"),
        "change_requests": change_rows(case),
        "timeline": timeline_rows(selectors.case_timeline(case=case)),
        "step_overdue": selectors.step_overdue(case),
        "payment_overdue": selectors.payment_overdue(case, amounts),
        "min_inspectors": current_rules().min_inspectors,
        # while inspectors are being put on the case and cleared, the page says how many count
        "inspectors_counted": case.status in (S.ASSIGNED, S.INSPECTING, S.RETURNED),
        "suspended": case.status == S.SUSPENDED,
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
    "finding_update": ("修改检查发现", "Finding changed"),
    "report_submit": ("提交检查报告", "Inspection report submitted"),
    "report_cosign": ("会签检查报告", "Inspection report co-signed"),
    "review_return": ("审理退回补充", "Returned by review"),
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
    "status": ("状态", "state"), "role": ("环节", "stage"), "users": ("人员", "people"),
    "conflict": ("利益冲突", "conflict"),
    "note": ("说明", "note"), "source": ("来源", "source"), "period": ("期间", "period"), "score": ("分值", "score"),
    "rank": ("排名", "rank"), "flags": ("标记", "flags"), "kind": ("类别", "kind"), "reason": ("理由", "reason"),
    "title": ("标题", "title"), "description": ("内容", "description"), "tax_amount": ("税款", "tax"),
    "late_fee_amount": ("滞纳金", "late fees"), "penalty_amount": ("罚款", "penalty"), "amount": ("金额", "amount"),
    "received_on": ("日期", "date"), "reference": ("凭证号", "reference"), "summary": ("摘要", "summary"),
    "round": ("轮次", "round"), "outcome": ("结案方式", "outcome"), "due": ("期限", "due"),
    "days_late": ("超期天数", "days late"), "number": ("编号", "number"), "report": ("文书", "document"),
    "tax_decision_number": ("处理决定书", "tax decision"),
    "penalty_decision_number": ("处罚决定书", "penalty decision"),
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
    if decision is None:
        return []
    mine = list(IssuedDocument.objects.filter(requested_by=user, report_key__in=list(DOCUMENTS),
                                              parameters__case=case.pk).order_by("-requested_at", "-id"))
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
        may = can_issue_document(case, user, key) is None
        if may:
            entry["generate_url"] = reverse("inspection:case_document", args=[case.pk, key])
        if entry.get("url") or may:
            out.append(entry)
    return out
