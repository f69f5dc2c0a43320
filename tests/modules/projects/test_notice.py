"""The 立项批准通知书 PDF of an approved project, through the reports pipeline, read back with
pdftotext: number, name, unit, class and investment; only for an approved project one may see."""
from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST
from tests.support import reports
from tests.support.documents import pdf_text

from .test_approval import _decide, _submit


@pytest.fixture
def approved(alpha, people, apply):
    from modules.projects.services import member_add

    project = apply(alpha, people.staff, "3200000.00", name="智慧校园一期")
    with schema_context(alpha.schema_name):
        member_add(actor=people.staff, project=project, person=people.leader, role="business_pm")
    req = _submit(alpha, people.staff, project)
    for reviewer in (people.finance, people.equipment, people.it):
        _decide(alpha, reviewer, req)
    return project


def test_the_approval_issues_the_notice_to_the_applicant(alpha, people, approved, client_for, issued_files):
    from zhengtong.reports.models import IssuedDocument

    with schema_context(alpha.schema_name):
        document = IssuedDocument.objects.get(report_key="projects.approval_notice")
    assert document.requested_by_id == people.staff.pk and document.parameters == {"project": approved.pk}
    page = client_for(people.staff, ALPHA_HOST).get(f"/m/projects/{approved.pk}/").content.decode()
    assert f"/reports/{document.pk}/" in page and document.number in page
    doc = reports.generate(alpha, document, issued_files)
    assert doc.status == "done", doc.error
    text = re.sub(r"[ \t]+", " ", pdf_text(doc.pdf))
    for expected in ("立项批准通知书", "信立〔2026〕第1号", "智慧校园一期", alpha.name, "大型信息化项目",
                     "3,200,000.00", "信息应用系统", "新建", "业务项目经理", "计财部"):
        assert expected in text, expected


def test_no_notice_before_approval_or_for_someone_who_may_not_see_it(alpha, people, apply, approved, client_for,
                                                                    issued_files):
    draft = apply(alpha, people.staff, "100.00", name="草稿项目")
    c = client_for(people.staff, ALPHA_HOST)
    assert c.post(f"/m/projects/{draft.pk}/notice/").status_code == 404
    assert client_for(people.other_staff, ALPHA_HOST).post(f"/m/projects/{approved.pk}/notice/").status_code == 404
    # Asked for on the reports page by someone who may not see the project: the document fails.
    doc = reports.generate(alpha, reports.request(alpha, people.other_staff, {"project": approved.pk},
                                                  key="projects.approval_notice"), issued_files)
    assert doc.status != "done" and not doc.pdf


def test_anyone_who_sees_the_project_may_ask_for_a_copy(alpha, people, approved, client_for, issued_files):
    from zhengtong.reports.models import IssuedDocument

    r = client_for(people.finance, ALPHA_HOST).post(f"/m/projects/{approved.pk}/notice/")
    assert r.status_code == 302 and r["Location"].startswith("/reports/"), r.get("Location")
    with schema_context(alpha.schema_name):
        document = IssuedDocument.objects.get(pk=int(r["Location"].split("/")[2]))
    assert document.requested_by_id == people.finance.pk
    doc = reports.generate(alpha, document, issued_files)
    assert doc.status == "done", doc.error
    assert "信立〔2026〕第1号" in pdf_text(doc.pdf)
