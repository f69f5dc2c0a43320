"""A case's documents, filled with the case's own figures.

Each builder is called by the Celery worker as ``builder(user=requester, params={"case": id})``
in the unit's schema and reads the case through the module's selectors, so a person gets a
document only for a case they may see (anything else fails the document, it never shows
another case). The pipeline prints the unit, the platform's document number and page numbers
on every page; the decision documents also carry their own official numbers (稽处〔…〕N号).
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from zhengtong.reports.content import Column, TableReport, money

from .. import selectors
from ..models import InspectionCase, ReviewDecision

REVIEW_REPORT = "inspection.review_report"
TAX_DECISION = "inspection.tax_decision"
PENALTY_DECISION = "inspection.penalty_decision"
REMEDY = ("如对本决定不服，可以依法申请行政复议或者提起行政诉讼；"
          "对税款、滞纳金不服的，应当先依照本决定缴纳或者提供相应的担保，然后依法申请行政复议。")
PENALTY_REMEDY = ("如对本决定不服，可以自收到本决定书之日起六十日内依法申请行政复议，"
                  "或者自收到本决定书之日起六个月内依法向人民法院起诉。")


class CaseParameters(forms.Form):
    case = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _case(user, params: dict) -> tuple[InspectionCase, ReviewDecision]:
    try:
        case = selectors.case_get(user=user, pk=int(params["case"]))
    except (Http404, KeyError, ValueError, TypeError):
        # The worker records the failure; the message names no other case (nor its cause).
        raise PermissionDenied("case not visible to the requester") from None
    decision = ReviewDecision.objects.filter(case=case).select_related("decided_by").first()
    if decision is None:
        raise ValueError("the case has no review decision yet")
    return case, decision


def _payment_due(d: ReviewDecision) -> str:
    return f"自收到本决定书之日起至{d.payment_due_on.isoformat()}前缴纳入库" if d.payment_due_on else "—"


def _columns() -> list[Column]:
    return [Column("项目", 18), Column("内容", 82)]


def _names(case: InspectionCase, role: str) -> str:
    return "、".join(a.user.get_short_name() for a in case.assignments.filter(role=role, removed_at__isnull=True,
                                                                              conflict=False).select_related("user"))


def _findings(case: InspectionCase) -> list[tuple[str, str]]:
    rows = []
    for i, f in enumerate(case.findings.prefetch_related("articles"), start=1):
        basis = "；".join(f"{a}（{a.title}）" for a in f.articles.all()) or "—"
        rows.append((f"检查发现{i}", f"{f.description}。依据：{basis}。拟补税款{money(f.tax_amount)}元，"
                                     f"滞纳金{money(f.late_fee_amount)}元，罚款{money(f.penalty_amount)}元。"))
    return rows or [("检查发现", "未发现问题。")]


def _articles(case: InspectionCase) -> str:
    seen = []
    for f in case.findings.prefetch_related("articles"):
        for a in f.articles.all():
            if a not in seen:
                seen.append(a)
    return "；".join(f"{a}：{a.text}" for a in seen) or "—"


def _taxpayer(case: InspectionCase) -> list[tuple[str, str]]:
    e = case.entity
    return [("纳税人", e.name), ("统一社会信用代码", e.credit_code),
            ("行业", f"{e.industry_code} {e.industry_name}".strip()), ("主管税务机关", e.tax_office or "—")]


def review_report(*, user, params: dict) -> TableReport:
    """审理报告: the file as the reviewer examined it and the conclusion with its amounts."""
    case, d = _case(user, params)
    snap = case.score_snapshot or {}
    if case.source == InspectionCase.Source.RANKING:
        source = (f"计算机选案，风险分值{case.score}，"
                  f"{snap.get('period', '')}期排名第{snap.get('rank')}/{snap.get('of')}")
    else:
        source = f"人工选案（{case.get_manual_kind_display()}）：{case.reason}"
    report = case.reports.filter(cosigned_by__isnull=False).order_by("-round").first()
    rows = [("案件编号", case.number), *_taxpayer(case), ("检查期间", case.period or "—"), ("案件来源", source),
            ("检查人员", _names(case, "inspector")),
            ("检查报告", (f"{report.summary}（第{report.round}轮，{report.submitted_by.get_short_name()}提交，"
                          f"{report.cosigned_by.get_short_name()}会签）") if report else "—"),
            *_findings(case)]
    rows += [(f"退回补充{i}", f"{r.returned_at:%Y-%m-%d} {r.reason}") for i, r in enumerate(case.returns.all(), 1)]
    rows += [("审理人员", d.decided_by.get_short_name()), ("审理意见", d.opinion), ("审理结论", d.get_kind_display()),
             ("应补缴税款（元）", money(d.tax_amount)), ("加收滞纳金（元）", money(d.late_fee_amount)),
             ("罚款（元）", money(d.penalty_amount)), ("合计（元）", money(d.total)),
             ("缴款期限", d.payment_due_on.isoformat() if d.payment_due_on else "—")]
    if d.tax_decision_number:
        rows.append(("税务处理决定书", d.tax_decision_number))
    if d.penalty_decision_number:
        rows.append(("税务行政处罚决定书", d.penalty_decision_number))
    return TableReport(title="审理报告", subtitle=f"{case.number} · {case.entity.name}", columns=_columns(),
                       rows=rows, summary=[("审理人", d.decided_by.get_short_name()),
                                           ("审理日期", timezone.localtime(d.decided_at).date().isoformat())])


def tax_decision(*, user, params: dict) -> TableReport:
    """税务处理决定书: tax to be paid back and late fees."""
    case, d = _case(user, params)
    if not d.tax_decision_number:
        raise ValueError("no tax treatment in this decision")
    rows = [("文号", d.tax_decision_number), *_taxpayer(case), ("案件编号", case.number),
            ("违法事实", "；".join(f.description for f in case.findings.all()) or "—"),
            ("处理依据", _articles(case)),
            ("处理决定", f"追缴税款{money(d.tax_amount)}元，加收滞纳金{money(d.late_fee_amount)}元，"
                         f"合计{money(d.tax_amount + d.late_fee_amount)}元。"),
            ("追缴税款（元）", money(d.tax_amount)), ("加收滞纳金（元）", money(d.late_fee_amount)),
            ("缴款期限", _payment_due(d)),
            ("救济途径", REMEDY)]
    return TableReport(title="税务处理决定书", subtitle=f"{d.tax_decision_number} · {case.entity.name}",
                       columns=_columns(), rows=rows,
                       summary=[("决定日期", timezone.localtime(d.decided_at).date().isoformat())])


def penalty_decision(*, user, params: dict) -> TableReport:
    """税务行政处罚决定书: the penalty."""
    case, d = _case(user, params)
    if not d.penalty_decision_number:
        raise ValueError("no penalty in this decision")
    rows = [("文号", d.penalty_decision_number), *_taxpayer(case), ("案件编号", case.number),
            ("违法事实", "；".join(f.description for f in case.findings.all()) or "—"),
            ("处罚依据", _articles(case)),
            ("处罚决定", f"处以罚款{money(d.penalty_amount)}元。"), ("罚款（元）", money(d.penalty_amount)),
            ("缴款期限", _payment_due(d)),
            ("救济途径", PENALTY_REMEDY)]
    return TableReport(title="税务行政处罚决定书", subtitle=f"{d.penalty_decision_number} · {case.entity.name}",
                       columns=_columns(), rows=rows,
                       summary=[("决定日期", timezone.localtime(d.decided_at).date().isoformat())])


DOCUMENTS = {
    REVIEW_REPORT: ("审理报告", "Review report", lambda d: True),
    TAX_DECISION: ("税务处理决定书", "Tax treatment decision", lambda d: bool(d.tax_decision_number)),
    PENALTY_DECISION: ("税务行政处罚决定书", "Penalty decision", lambda d: bool(d.penalty_decision_number)),
}
