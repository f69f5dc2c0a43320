"""Submitting a project (立项) into the shared approval engine: the chain its class picks, the
full-time member rule of 重大 projects, who may decide, and the number the approval gives."""
from __future__ import annotations

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from tests.conftest import DISTRICT_HOST
from zhengtong.core.errors import Refused

APPROVAL = "projects.approval"


def _submit(unit, actor, project):
    from modules.projects.services import project_submit

    with schema_context(unit.schema_name):
        return project_submit(actor=actor, project=project, reason="年度信息化计划")


def _route(unit, req):
    from zhengtong.approvals.models import ApprovalStep

    with schema_context(unit.schema_name):
        steps = ApprovalStep.objects.filter(request_id=req.pk).order_by("position")
        return list(steps.values_list("key", flat=True))


def _decide(unit, user, req, decision="approve", comment=""):
    from zhengtong.approvals.models import ApprovalStep
    from zhengtong.approvals.services import approval_decide

    with schema_context(unit.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
        return approval_decide(request_id=req.pk, step_id=step.pk, actor=user, decision=decision,
                              comment=comment)


def _project(unit, project):
    from modules.projects.models import Project

    with schema_context(unit.schema_name):
        return Project.objects.get(pk=project.pk)


def test_a_general_project_goes_through_the_units_reviews_only(alpha, people, apply):
    project = apply(alpha, people.staff, "500000.00")
    req = _submit(alpha, people.staff, project)
    assert _route(alpha, req) == ["finance", "equipment", "it_authority"]
    assert _project(alpha, project).status == "in_approval"


def test_a_large_project_is_approved_along_the_chain_and_numbered(alpha, people, apply):
    project = apply(alpha, people.staff, "10000000.00")
    req = _submit(alpha, people.staff, project)
    assert _route(alpha, req) == ["finance", "equipment", "it_authority"]
    for reviewer in (people.finance, people.equipment):
        _decide(alpha, reviewer, req)
        assert _project(alpha, project).status == "in_approval"
    _decide(alpha, people.it, req)
    approved = _project(alpha, project)
    assert approved.status == "approved"
    assert approved.number == "信立〔2026〕第1号"
    second = apply(alpha, people.staff, "20000.00", name="门户网站改版")
    req = _submit(alpha, people.staff, second)
    for reviewer in (people.finance, people.equipment, people.it):
        _decide(alpha, reviewer, req)
    assert _project(alpha, second).number == "信立〔2026〕第2号"


def test_a_major_project_adds_the_district_step(alpha, people, apply, client_for):
    from modules.projects.services import member_add

    project = apply(alpha, people.staff, "10000000.01")
    with schema_context(alpha.schema_name):
        member_add(actor=people.staff, project=project, person=people.other_staff, full_time=True)
    req = _submit(alpha, people.staff, project)
    assert _route(alpha, req) == ["finance", "equipment", "it_authority", "district"]
    for reviewer in (people.finance, people.equipment, people.it):
        _decide(alpha, reviewer, req)
    assert _project(alpha, project).status == "in_approval"  # the unit's reviews are not the last word
    from zhengtong.approvals.models import ApprovalStep

    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, key="district")
    bureau = client_for(people.bureau, DISTRICT_HOST)
    assert bureau.post(f"/approvals/alpha/{req.pk}/act/", {"action": "approve", "step": step.pk,
                                                           "comment": "同意立项"}).status_code == 302
    approved = _project(alpha, project)
    assert approved.status == "approved" and approved.number.endswith("第1号")


def test_a_major_project_without_a_full_time_member_is_refused_and_audited(alpha, people, apply):
    from modules.projects.services import member_add
    from zhengtong.audit.models import AuditEvent

    project = apply(alpha, people.staff, "12000000.00")
    with schema_context(alpha.schema_name):
        member_add(actor=people.staff, project=project, person=people.other_staff, full_time=False)
    with pytest.raises(Refused) as caught:
        _submit(alpha, people.staff, project)
    assert "脱产" in caught.value.message
    with translation.override("en"), pytest.raises(Refused) as caught:
        _submit(alpha, people.staff, project)
    assert "full-time" in caught.value.message and "脱产" in caught.value.message
    assert caught.value.code == "full_time_member_required"
    with schema_context(alpha.schema_name):
        denied = AuditEvent.objects.filter(action="projects.project.submit", result="denied",
                                           object_id=str(project.pk))
        assert denied.count() == 2
        assert _project(alpha, project).status == "draft"
        from zhengtong.approvals.models import ApprovalRequest
        assert not ApprovalRequest.objects.filter(type_key=APPROVAL, subject_id=project.pk).exists()


def test_staff_cannot_approve_and_the_applicant_cannot_review_their_own(alpha, people, apply, make_user):
    from modules.projects import manifest as m

    project = apply(alpha, people.staff, "600000.00")
    req = _submit(alpha, people.staff, project)
    with pytest.raises(Refused):
        _decide(alpha, people.other_staff, req)
    # Holding the finance role does not let an applicant sign their own request.
    applicant_in_finance = make_user(alpha, [m.STAFF, m.FINANCE], name="兼任计财部的申请人")
    own = apply(alpha, applicant_in_finance, "600000.00", name="财务系统升级")
    own_req = _submit(alpha, applicant_in_finance, own)
    with pytest.raises(Refused):
        _decide(alpha, applicant_in_finance, own_req)
    assert _project(alpha, project).status == "in_approval"


def test_a_rejected_project_can_be_changed_and_submitted_again(alpha, people, apply):
    from modules.projects.services import project_update

    project = apply(alpha, people.staff, "600000.00")
    req = _submit(alpha, people.staff, project)
    _decide(alpha, people.finance, req, decision="reject", comment="投资估算偏高")
    assert _project(alpha, project).status == "rejected"
    with schema_context(alpha.schema_name):
        project_update(actor=people.staff, project=project, estimated_investment="450000.00")
    again = _submit(alpha, people.staff, _project(alpha, project))
    assert _project(alpha, project).project_class == "general"
    assert _route(alpha, again) == ["finance", "equipment", "it_authority"]


def test_another_applicant_may_not_submit_or_edit(alpha, people, apply):
    from modules.projects.services import project_update

    project = apply(alpha, people.staff, "600000.00")
    with pytest.raises(Refused):
        _submit(alpha, people.other_staff, project)
    with schema_context(alpha.schema_name), pytest.raises(Refused):
        project_update(actor=people.other_staff, project=project, name="改名")


def test_the_project_group_takes_members_of_the_unit_only(alpha, beta, people, apply, make_user):
    from modules.projects.services import member_add
    from zhengtong.core.errors import Invalid

    outsider = make_user(beta, [], name="乙单位人员")
    project = apply(alpha, people.staff, "12000000.00")
    with schema_context(alpha.schema_name), pytest.raises(Invalid):
        member_add(actor=people.staff, project=project, person=outsider, full_time=True)
    with pytest.raises(Refused):  # nobody full-time in the group: still refused
        _submit(alpha, people.staff, project)
