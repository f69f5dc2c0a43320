"""Maker-checker: after a stage is submitted its data changes only through a change request
approved by a second person with the right role (the platform's approval engine); the case
shows both versions and who approved."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.inspection.models import ChangeRequest, Finding
from zhengtong.approvals.models import ApprovalRequest, ApprovalStep
from zhengtong.approvals.services import approval_decide
from zhengtong.audit.models import AuditEvent

from .conftest import INSPECTOR, SUPERVISOR


@pytest.fixture
def submitted(alpha, people, ranked, journey):
    """A case whose inspection report is co-signed, with one finding of 10 000 + 500 + 5 000."""
    return journey.inspect(journey.to_inspecting(journey.select(ranked["A"])))


def _decide(unit, cr, actor, decision, comment=""):
    with schema_context(unit.schema_name):
        req = ApprovalRequest.objects.get(type_key="inspection.change", subject_id=cr.pk)
        step = req.steps.get(status=ApprovalStep.Status.ACTIVE)
        return approval_decide(request_id=req.pk, step_id=step.pk, actor=actor, decision=decision, comment=comment)


def test_a_submitted_finding_cannot_be_changed_directly(alpha, people, submitted, journey):
    with schema_context(alpha.schema_name):
        finding = Finding.objects.get(case=submitted)
    with pytest.raises(PermissionDenied, match="变更申请"):
        journey.finding_update(actor=people.inspector1, case=submitted, finding=finding, tax_amount=Decimal("1"))
    with schema_context(alpha.schema_name):
        finding.refresh_from_db()
        assert finding.tax_amount == Decimal("10000.00")
        assert AuditEvent.objects.filter(action="inspection.case.finding_update", result="denied").exists()


def test_a_change_applies_only_after_the_chief_approves(alpha, people, submitted, journey, client_for):
    with schema_context(alpha.schema_name):
        finding = Finding.objects.get(case=submitted)
    cr = journey.change_request_submit(actor=people.inspector2, case=submitted, target="finding", target_id=finding.pk,
                                       changes={"tax_amount": Decimal("12000")}, reason="复核发票后补计少缴税款2000元")
    with schema_context(alpha.schema_name):
        finding.refresh_from_db()
        assert finding.tax_amount == Decimal("10000.00")  # nothing changes yet
        assert ApprovalRequest.objects.get(subject_id=cr.pk).amount == Decimal("2000.00")
    with pytest.raises(ValidationError, match="待审批"):  # one open change per item
        journey.change_request_submit(actor=people.inspector1, case=submitted, target="finding", target_id=finding.pk,
                                      changes={"tax_amount": Decimal("11000")}, reason="另一个修改意见")
    # the other inspector is no approver: the step is the chief's
    with pytest.raises(PermissionDenied, match="稽查局长"):
        _decide(alpha, cr, people.inspector1, "approve")
    _decide(alpha, cr, people.chief, "approve", "同意")
    with schema_context(alpha.schema_name):
        finding.refresh_from_db()
        cr.refresh_from_db()
        assert finding.tax_amount == Decimal("12000.00")
        assert (cr.state, cr.decided_by) == ("approved", people.chief)
        assert cr.before["tax_amount"] == "10000.00" and cr.after["tax_amount"] == "12000.00"
        event = AuditEvent.objects.filter(action="inspection.case.change_approve").get()
        assert event.object_id == str(submitted.pk) and event.before == {"tax_amount": "10000.00"}
    page = client_for(people.inspector1).get(f"/m/inspection/cases/{submitted.pk}/").content.decode()
    changes = page[page.index('id="changes"'):page.index('id="timeline"')]
    assert "10000.00" in changes and "12000.00" in changes and "局长 庚" in changes and "检查 丙" in changes


def test_nobody_approves_their_own_change(alpha, people, ranked, journey, make_user):
    boss = make_user(alpha, [INSPECTOR, SUPERVISOR], name="兼任局长的检查员")
    case = journey.select(ranked["C"])
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[boss, people.inspector1])
    journey.conflict_declare(actor=boss, case=case, has_conflict=False)
    journey.conflict_declare(actor=people.inspector1, case=case, has_conflict=False)
    finding = journey.finding_add(actor=boss, case=case, description="少缴税款", tax_amount=Decimal("100"),
                                  penalty_amount=Decimal("50"))
    journey.report_submit(actor=boss, case=case, summary="报告")
    journey.report_cosign(actor=people.inspector1, case=case)
    cr = journey.change_request_submit(actor=boss, case=case, target="finding", target_id=finding.pk,
                                       changes={"penalty_amount": Decimal("0")}, reason="罚款依据不足，拟不予处罚")
    with pytest.raises(PermissionDenied, match="本人"):
        _decide(alpha, cr, boss, "approve")
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="approvals.approve", result="denied", actor_id=boss.pk).exists()
    _decide(alpha, cr, people.chief, "approve")  # a second person does


def test_a_rejected_change_leaves_the_data(alpha, people, submitted, journey):
    with schema_context(alpha.schema_name):
        finding = Finding.objects.get(case=submitted)
    cr = journey.change_request_submit(actor=people.inspector1, case=submitted, target="finding", target_id=finding.pk,
                                       changes={"description": "改写后的检查发现"}, reason="表述不准确")
    _decide(alpha, cr, people.chief, "reject", "原表述无误")
    with schema_context(alpha.schema_name):
        finding.refresh_from_db()
        cr.refresh_from_db()
        assert finding.description == "隐匿销售收入" and cr.state == ChangeRequest.State.REJECTED


def test_only_the_stages_own_people_ask_and_only_once_submitted(alpha, people, ranked, submitted, journey):
    with schema_context(alpha.schema_name):
        finding = Finding.objects.get(case=submitted)
    with pytest.raises(PermissionDenied, match="检查人员"):
        journey.change_request_submit(actor=people.reviewer, case=submitted, target="finding", target_id=finding.pk,
                                      changes={"tax_amount": Decimal("1")}, reason="审理人员想改")
    open_case = journey.to_inspecting(journey.select(ranked["B"]))
    f = journey.finding_add(actor=people.inspector1, case=open_case, description="x", tax_amount=Decimal("1"))
    with pytest.raises(PermissionDenied, match="直接修改"):
        journey.change_request_submit(actor=people.inspector1, case=open_case, target="finding", target_id=f.pk,
                                      changes={"tax_amount": Decimal("2")}, reason="还没提交")


def test_a_decision_change_after_it_is_issued(alpha, people, submitted, journey):
    case = journey.review(submitted)
    with schema_context(alpha.schema_name):
        decision = case.decision
    cr = journey.change_request_submit(actor=people.reviewer, case=case, target="decision", target_id=decision.pk,
                                       changes={"penalty_amount": Decimal("3000")}, reason="罚款倍数调整为0.3倍")
    _decide(alpha, cr, people.chief, "approve")
    with schema_context(alpha.schema_name):
        decision.refresh_from_db()
        assert decision.penalty_amount == Decimal("3000.00")
