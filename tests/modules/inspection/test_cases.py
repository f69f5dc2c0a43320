"""Cases from selection to closure: the separation of duties (every refusal is audited), the
two-inspector rule, conflict-of-interest declarations and the case's own timeline."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django_tenants.utils import schema_context

from modules.inspection import selectors, services
from modules.inspection.models import InspectionCase
from zhengtong.audit.models import AuditEvent
from zhengtong.registry.registry import get_module
from zhengtong.registry.rules import module_rules_update

from .conftest import EXECUTOR, INSPECTOR, REVIEWER, SELECTOR, set_rules

S = InspectionCase.Status


def denied(unit, action, actor):
    with schema_context(unit.schema_name):
        return AuditEvent.objects.filter(action=action, result="denied", actor_id=actor.pk).first()


# ---------------------------------------------------------------- selection
def test_a_case_selected_from_the_ranking_keeps_its_explanation(alpha, people, ranked, journey):
    case = journey.select(ranked["A"])
    assert case.source == "ranking" and case.status == S.SELECTED and case.number.startswith("JC")
    assert case.score == Decimal("25.00")
    snap = case.score_snapshot
    assert (snap["rank"], snap["of"], snap["period"]) == (2, 3, "2024")
    tax = next(i for i in snap["indicators"] if i["key"] == "tax_burden")
    # six places since issue 13 (they were "0.0060" and "0.0300"): 4 decimals of a percentage
    assert (tax["value"], tax["benchmark"], tax["points"]) == ("0.006000", "0.030000", "20.00")
    assert snap["rules"]["weights"]["tax_burden"] == "20.00"
    assert case.step_due_on == date.today() + timedelta(days=5)
    with schema_context(alpha.schema_name):
        (event,) = selectors.case_timeline(case=case)
    assert event.action == "inspection.case.select" and event.after["drivers"] == ["tax_burden", "sales_profit_tax"]


def test_only_candidates_are_selected_from_the_ranking_and_only_once(alpha, people, ranked, journey):
    with pytest.raises(PermissionDenied, match="候选名单"):
        journey.select(ranked["N1"])
    journey.select(ranked["C"])
    with pytest.raises(PermissionDenied, match="在办案件"):
        journey.select(ranked["C"])
    assert denied(alpha, "inspection.case.select", people.selector).detail == f"open case JC{date.today().year}-0001"


def test_manual_cases_need_a_reason_and_say_so(alpha, people, ranked, journey):
    with pytest.raises(ValidationError, match="理由"):
        journey.case_open_manual(actor=people.selector, entity=ranked["N1"], kind="tip_off", reason="举报")
    case = journey.case_open_manual(actor=people.selector, entity=ranked["N1"], kind="tip_off",
                                    reason="群众举报该企业通过个人账户收取货款，隐匿收入。", period="2024")
    assert (case.source, case.manual_kind) == ("manual", "tip_off")
    assert case.score == Decimal("0.00") and case.score_snapshot["rank"] is None  # recorded, not the reason


def test_only_selectors_select(alpha, people, ranked, journey):
    with pytest.raises(PermissionDenied, match="选案人员"):
        journey.case_select(actor=people.inspector1, entity=ranked["A"], period="2024")
    assert denied(alpha, "inspection.case.select", people.inspector1) is not None


# ---------------------------------------------------------------- separation of duties
def test_the_selector_cannot_inspect_the_case(alpha, people, ranked, journey, make_user):
    both = make_user(alpha, [SELECTOR, INSPECTOR], name="选案兼检查")
    case = journey.case_select(actor=both, entity=ranked["A"], period="2024")
    with pytest.raises(PermissionDenied, match="选案人员不得检查本案"):
        journey.case_assign(actor=people.chief, case=case, role="inspector", users=[both, people.inspector1])
    event = denied(alpha, "inspection.case.assign", people.chief)
    assert event.object_id == str(case.pk) and "separation of duties" in event.detail
    with schema_context(alpha.schema_name):
        case.refresh_from_db()
        assert case.status == S.SELECTED and not case.assignments.exists()  # nothing of the refused write stays


def test_inspectors_cannot_review_the_case(alpha, people, ranked, journey, make_user):
    both = make_user(alpha, [INSPECTOR, REVIEWER], name="检查兼审理")
    case = journey.select(ranked["A"])
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[both, people.inspector1])
    journey.conflict_declare(actor=both, case=case, has_conflict=False)
    journey.conflict_declare(actor=people.inspector1, case=case, has_conflict=False)
    journey.report_submit(actor=both, case=case, summary="无问题")
    journey.report_cosign(actor=people.inspector1, case=case)
    with pytest.raises(PermissionDenied, match="检查人员不得审理本案"):
        journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[both])
    assert denied(alpha, "inspection.case.assign", people.chief) is not None


def test_reviewers_cannot_execute_the_case(alpha, people, ranked, journey, make_user):
    both = make_user(alpha, [REVIEWER, EXECUTOR], name="审理兼执行")
    case = journey.inspect(journey.to_inspecting(journey.select(ranked["A"])))
    journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[both])
    journey.conflict_declare(actor=both, case=case, has_conflict=False)
    journey.review_decide(actor=both, case=case, kind="tax_only", opinion="补税", tax_amount=Decimal("100"),
                          late_fee_amount=Decimal("0"), penalty_amount=Decimal("0"))
    with pytest.raises(PermissionDenied, match="审理人员不得执行本案"):
        journey.case_assign(actor=people.chief, case=case, role="executor", users=[both])
    assert denied(alpha, "inspection.case.assign", people.chief) is not None


def test_a_unit_can_make_it_stricter_one_stage_per_person(alpha, people, ranked, journey, make_user):
    both = make_user(alpha, [SELECTOR, REVIEWER], name="选案兼审理")
    case = journey.inspect(journey.to_inspecting(journey.case_select(actor=both, entity=ranked["A"], period="2024")))
    set_rules(alpha, people, one_stage_per_person=True)
    with pytest.raises(PermissionDenied, match="一人一案只参与一个环节"):
        journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[both])
    set_rules(alpha, people, one_stage_per_person=False)  # the default allows a selector to review
    journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[both])


def test_rules_cannot_loosen_the_two_inspector_minimum(alpha, people):
    manifest = get_module("inspection")
    with schema_context(alpha.schema_name), pytest.raises(ValidationError):
        module_rules_update(manifest=manifest, values={**manifest.rule_defaults(), "min_inspectors": 1},
                            actor=people.admin)


def test_the_wrong_person_acting_is_refused_and_audited(alpha, people, ranked, journey):
    case = journey.to_inspecting(journey.select(ranked["A"]))
    for actor in (people.inspector3, people.selector, people.reviewer, people.chief):  # not its inspectors
        with pytest.raises(PermissionDenied, match="只有本案的检查人员"):
            journey.finding_add(actor=actor, case=case, description="x", tax_amount=Decimal("1"))
        assert denied(alpha, "inspection.case.finding", actor).object_id == str(case.pk)
    with pytest.raises(PermissionDenied, match="稽查局长"):
        journey.case_assign(actor=people.selector, case=case, role="inspector", users=[people.inspector3])
    journey.inspect(case)
    with pytest.raises(PermissionDenied, match="只有本案的审理人员"):
        journey.review_decide(actor=people.inspector1, case=case, kind="no_violation", opinion="x",
                              tax_amount=0, late_fee_amount=0, penalty_amount=0)
    assert denied(alpha, "inspection.case.review_decide", people.inspector1) is not None


# ---------------------------------------------------------------- two people, conflicts of interest
def test_inspection_takes_two_people(alpha, people, ranked, journey):
    case = journey.to_inspecting(journey.select(ranked["A"]))
    journey.report_submit(actor=people.inspector1, case=case, summary="报告")
    with pytest.raises(PermissionDenied, match="至少两人"):
        journey.report_cosign(actor=people.inspector1, case=case)
    assert denied(alpha, "inspection.case.report_cosign", people.inspector1).detail == "self co-signature"
    with pytest.raises(PermissionDenied, match="会签"):
        journey.report_submit(actor=people.inspector2, case=case, summary="另一份报告")
    set_rules(alpha, people, min_inspectors=3)  # stricter: a third inspector is needed now
    with pytest.raises(PermissionDenied, match="人数不足"):
        journey.report_cosign(actor=people.inspector2, case=case)
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector3])
    journey.conflict_declare(actor=people.inspector3, case=case, has_conflict=False)
    report = journey.report_cosign(actor=people.inspector2, case=case)
    assert (report.submitted_by, report.cosigned_by) == (people.inspector1, people.inspector2)
    assert case.status == S.REPORT_SUBMITTED


def test_declaring_comes_first_and_a_conflict_removes_the_person(alpha, people, ranked, journey):
    case = journey.select(ranked["A"])
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector1, people.inspector2])
    assert case.status == S.ASSIGNED
    with pytest.raises(PermissionDenied, match="利益冲突"):
        journey.paper_add(actor=people.inspector1, case=case, title="t", content="c")
    with schema_context(alpha.schema_name):  # assigned inspectors see the case, others do not
        assert selectors.case_get(user=people.inspector1, pk=case.pk) == case
        with pytest.raises(Http404):
            selectors.case_get(user=people.inspector3, pk=case.pk)
    with pytest.raises(ValidationError):
        journey.conflict_declare(actor=people.inspector2, case=case, has_conflict=True, note="")
    journey.conflict_declare(actor=people.inspector2, case=case, has_conflict=True, note="其配偶在该企业任财务负责人")
    journey.conflict_declare(actor=people.inspector1, case=case, has_conflict=False)
    assert case.status == S.ASSIGNED  # one cleared inspector is not enough to start
    with schema_context(alpha.schema_name), pytest.raises(Http404):
        selectors.case_get(user=people.inspector2, pk=case.pk)
    with pytest.raises(PermissionDenied, match="已申报利益冲突"):
        journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector2])
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector3])
    journey.conflict_declare(actor=people.inspector3, case=case, has_conflict=False)
    assert case.status == S.INSPECTING
    with pytest.raises(PermissionDenied, match="待申报"):
        journey.conflict_declare(actor=people.inspector3, case=case, has_conflict=True, note="改口")


# ---------------------------------------------------------------- the whole way, and the timeline
def test_a_case_from_selection_to_closure_with_a_return_from_review(alpha, people, ranked, journey):
    case = journey.inspect(journey.to_inspecting(journey.select(ranked["C"])))
    journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[people.reviewer])
    assert case.status == S.UNDER_REVIEW
    journey.conflict_declare(actor=people.reviewer, case=case, has_conflict=False)
    journey.review_return(actor=people.reviewer, case=case, reason="请补充2024年第四季度的银行流水。")
    assert case.status == S.RETURNED
    # returned: the inspectors work again, and the new report needs two people again
    journey.finding_add(actor=people.inspector2, case=case, description="第四季度少缴增值税",
                        tax_amount=Decimal("2000"))
    journey.report_submit(actor=people.inspector2, case=case, summary="补充检查后的报告")
    journey.report_cosign(actor=people.inspector1, case=case)
    with schema_context(alpha.schema_name):
        assert case.status == S.UNDER_REVIEW and case.reports.count() == 2
    with schema_context(alpha.schema_name):
        assert selectors.case_amounts(case)["proposed"].total == Decimal("17500.00")
    decision = journey.review_decide(actor=people.reviewer, case=case, kind="tax_and_penalty", opinion="事实清楚。",
                                     tax_amount=Decimal("12000"), late_fee_amount=Decimal("500"),
                                     penalty_amount=Decimal("6000"))
    year = date.today().year
    assert (decision.tax_decision_number, decision.penalty_decision_number) == (
        f"稽处〔{year}〕1号", f"稽罚〔{year}〕1号")
    assert decision.payment_due_on == date.today() + timedelta(days=15)
    journey.to_executing(case)
    assert case.status == S.EXECUTING
    with pytest.raises(ValidationError, match="尚欠"):
        journey.payment_record(actor=people.executor, case=case, kind="penalty", amount=Decimal("6000.01"),
                               received_on=date.today())
    journey.measure_record(actor=people.executor, case=case, kind="freeze", started_on=date.today(),
                           note="冻结基本存款账户")
    with pytest.raises(ValidationError, match="未入库"):
        journey.case_close(actor=people.executor, case=case, outcome="settled")
    for kind, amount in (("tax", "12000"), ("late_fee", "500"), ("penalty", "6000")):
        journey.payment_record(actor=people.executor, case=case, kind=kind, amount=Decimal(amount),
                               received_on=date.today(), reference=f"电子缴税凭证-{kind}")
    journey.case_close(actor=people.executor, case=case, outcome="settled")
    assert (case.status, case.outcome) == (S.CLOSED, "settled")
    with schema_context(alpha.schema_name):
        amounts = selectors.case_amounts(case)
        timeline = [(e.action.removeprefix("inspection.case."), e.actor_id) for e in selectors.case_timeline(case=case)]
    assert amounts["collected"].total == Decimal("18500.00") and amounts["outstanding"].total == 0
    p = people
    assert timeline == [
        ("select", p.selector.pk), ("assign", p.chief.pk), ("declare", p.inspector1.pk), ("declare", p.inspector2.pk),
        ("paper", p.inspector1.pk), ("evidence", p.inspector2.pk), ("finding", p.inspector1.pk),
        ("report_submit", p.inspector1.pk), ("report_cosign", p.inspector2.pk), ("assign", p.chief.pk),
        ("declare", p.reviewer.pk), ("review_return", p.reviewer.pk), ("finding", p.inspector2.pk),
        ("report_submit", p.inspector2.pk), ("report_cosign", p.inspector1.pk), ("review_decide", p.reviewer.pk),
        ("assign", p.chief.pk), ("declare", p.executor.pk), ("measure", p.executor.pk),
        ("payment", p.executor.pk), ("payment", p.executor.pk), ("payment", p.executor.pk), ("close", p.executor.pk),
    ]  # the over-payment and the early closing were input errors: refused on the form, nothing written


def test_write_off_is_for_the_chief_with_a_reason(alpha, people, ranked, journey):
    case = journey.to_executing(journey.review(journey.inspect(journey.to_inspecting(journey.select(ranked["A"])))))
    with pytest.raises(PermissionDenied, match="核销"):
        journey.case_close(actor=people.executor, case=case, outcome="written_off", note="企业已注销")
    with pytest.raises(ValidationError):
        journey.case_close(actor=people.chief, case=case, outcome="written_off", note="")
    journey.case_close(actor=people.chief, case=case, outcome="written_off", note="企业已注销，无财产可供执行")
    assert (case.status, case.outcome) == (S.CLOSED, "written_off")


def test_suspend_resume_and_withdraw(alpha, people, ranked, journey):
    case = journey.to_inspecting(journey.select(ranked["A"]))
    with pytest.raises(PermissionDenied):
        journey.case_suspend(actor=people.inspector1, case=case, reason="企业负责人下落不明")
    journey.case_suspend(actor=people.chief, case=case, reason="企业负责人下落不明")
    assert case.status == S.SUSPENDED and case.step_due_on is None
    with pytest.raises(PermissionDenied, match="状态"):
        journey.paper_add(actor=people.inspector1, case=case, title="t", content="c")
    journey.case_resume(actor=people.chief, case=case)
    assert case.status == S.INSPECTING and case.step_due_on == date.today() + timedelta(days=60)
    journey.case_withdraw(actor=people.chief, case=case, reason="经核实举报不实")
    assert (case.status, case.outcome) == (S.WITHDRAWN, "withdrawn")
    journey.select(ranked["A"])  # a withdrawn case no longer blocks a new one


def test_a_decided_case_cannot_be_withdrawn(alpha, people, ranked, journey):
    case = journey.review(journey.inspect(journey.to_inspecting(journey.select(ranked["A"]))))
    with pytest.raises(PermissionDenied, match="不能撤销"):
        journey.case_withdraw(actor=people.chief, case=case, reason="不想查了")


def test_overdue_steps_are_warned_once(alpha, people, ranked, journey):
    case = journey.select(ranked["A"])
    with schema_context(alpha.schema_name):
        InspectionCase.objects.filter(pk=case.pk).update(step_due_on=date.today() - timedelta(days=3))
        assert services.overdue_warnings_issue() == 1
        assert services.overdue_warnings_issue() == 0
        event = AuditEvent.objects.filter(action="inspection.case.overdue").get()
        assert event.object_id == str(case.pk) and event.after["days_late"] == 3
        assert [c.pk for c in selectors.dashboard().overdue_steps] == [case.pk]
    from zhengtong.notifications.models import Notification

    with schema_context("public"):  # the chief, who must assign inspectors, is told
        (note,) = Notification.objects.filter(kind="deadline_overdue")
    assert note.recipient == people.chief and case.number in note.title and note.unit == alpha


def test_overdue_warnings_run_in_each_units_worker_task(alpha, people, ranked, journey):
    from modules.inspection.tasks import overdue_warnings

    case = journey.to_inspecting(journey.select(ranked["A"]))
    with schema_context(alpha.schema_name):
        InspectionCase.objects.filter(pk=case.pk).update(step_due_on=date.today() - timedelta(days=1))
        assert overdue_warnings() == 1  # the task body, as the worker runs it in the unit's schema
    with schema_context("public"):
        from zhengtong.notifications.models import Notification

        told = set(Notification.objects.filter(kind="deadline_overdue").values_list("recipient_id", flat=True))
        assert overdue_warnings() == 0  # public schema: nothing there
    assert told == {people.chief.pk, people.inspector1.pk, people.inspector2.pk}


def test_inspectors_list_only_their_cases(alpha, people, ranked, journey):
    mine = journey.to_inspecting(journey.select(ranked["A"]))
    journey.select(ranked["B"])
    with schema_context(alpha.schema_name):
        assert list(selectors.case_list(user=people.inspector1)) == [mine]
        assert len(selectors.case_list(user=people.chief)) == 2
        assert len(selectors.case_list(user=people.selector)) == 2
        assert list(selectors.case_list(user=people.inspector3)) == []


def test_a_case_keeps_the_formulas_it_was_selected_on(alpha, people, ranked, journey, client_for):
    """Issue 13 changed three formulas. A case records the formula beside each value; a case
    selected before (its snapshot has no formulas) shows the formulas of that time, not today's."""
    case = journey.select(ranked["A"])
    tax = next(i for i in case.score_snapshot["indicators"] if i["key"] == "tax_burden")
    assert tax["formula_zh"] == "税负率 = 应纳税额 ÷ 营业收入 × 100%"
    with schema_context(alpha.schema_name):
        old = case.score_snapshot
        for row in old["indicators"]:
            del row["formula_zh"], row["formula_en"]
        InspectionCase.objects.filter(pk=case.pk).update(score_snapshot=old)
    page = client_for(people.selector).get(f"/m/inspection/cases/{case.pk}/").content.decode()
    basis = page[page.index('id="selection"'):]
    basis = basis[:basis.index("</section>")]
    assert "税负率 = 实缴税额 ÷ 营业收入 × 100%" in basis and "成本利润率 = 利润总额 ÷ 营业成本 × 100%" in basis
    assert "应纳税额 ÷ 营业收入" not in basis
    assert "毛利率 = (营业收入 − 营业成本) ÷ 营业收入 × 100%" in basis  # unchanged formulas as they are
