"""The review report (审理报告) and the decision documents are PDFs from the platform's
pipeline, filled with the case's figures: checked on the text extracted from the PDF."""
import re
from datetime import date

import pytest
from django_tenants.utils import schema_context

from tests.support.documents import pdf_text
from zhengtong.audit.models import AuditEvent


@pytest.fixture
def issued(alpha):
    """Render documents as the worker would (the task's body, in the unit's schema) and remove
    their files afterwards: the test's transaction is rolled back, the files are not."""
    from pathlib import Path

    from django_tenants.utils import tenant_context

    from zhengtong.reports.services import document_generate

    made = []

    def generate(document_id):
        with tenant_context(alpha):  # the worker's tenant, not schema_context's stand-in
            doc = document_generate(document_id=document_id)
            if doc.file:
                made.append(Path(doc.file.path))
        return doc

    yield generate
    for path in made:
        path.unlink(missing_ok=True)


def _pdf_text(data: bytes) -> str:
    return re.sub(r"[ \t]+", " ", pdf_text(data))


def _request(client, case, key):
    r = client.post(f"/m/inspection/cases/{case.pk}/documents/{key}/")
    assert r.status_code == 302 and r["Location"].startswith("/reports/"), r.get("Location")
    return int(r["Location"].split("/")[2])


def test_review_report_and_decisions_carry_the_case_figures(alpha, people, ranked, journey, client_for, issued):
    case = journey.review(journey.inspect(journey.to_inspecting(journey.select(ranked["A"]))))
    year = date.today().year
    c = client_for(people.reviewer)
    texts = {}
    for key in ("inspection.review_report", "inspection.tax_decision", "inspection.penalty_decision"):
        doc = issued(_request(c, case, key))
        assert doc.status == "done", doc.error
        r = c.get(f"/reports/{doc.pk}/download/")
        texts[key] = _pdf_text(b"".join(r.streaming_content))
        assert doc.number in texts[key]
    review = texts["inspection.review_report"]
    for expected in ("审理报告", case.number, ranked["A"].credit_code, "计算机选案", "检查 乙", "检查 丙",
                     "隐匿销售收入",
                     "10,000.00", "500.00", "5,000.00", "15,500.00", "事实清楚，证据确凿。", "审理 戊",
                     f"稽处〔{year}〕1号", f"稽罚〔{year}〕1号"):
        assert expected in review, expected
    tax = texts["inspection.tax_decision"]
    assert "税务处理决定书" in tax and f"稽处〔{year}〕1号" in tax
    assert "追缴税款10,000.00元，加收滞纳金500.00元，合计10,500.00元" in tax.replace("\n", "").replace(" ", "")
    penalty = texts["inspection.penalty_decision"]
    assert "税务行政处罚决定书" in penalty and f"稽罚〔{year}〕1号" in penalty and "处以罚款5,000.00元" in penalty
    # the case page offers the downloads, and the requests are on the case's timeline
    page = c.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert page.count("/download/") == 3 and "生成文书" in page


def test_documents_only_for_those_who_issue_them_and_only_when_decided(alpha, people, ranked, journey, client_for):
    case = journey.inspect(journey.to_inspecting(journey.select(ranked["A"])))
    r = client_for(people.inspector1).post(f"/m/inspection/cases/{case.pk}/documents/inspection.review_report/",
                                           follow=True)
    assert "您的角色不能生成案件文书" in r.content.decode()
    journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[people.reviewer])
    journey.conflict_declare(actor=people.reviewer, case=case, has_conflict=False)
    r = client_for(people.reviewer).post(f"/m/inspection/cases/{case.pk}/documents/inspection.review_report/",
                                         follow=True)
    assert "本案尚无此文书" in r.content.decode()
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="inspection.case.document", result="denied").count() == 2
    # an executor of another case cannot see this one: 404, not a document
    assert client_for(people.executor).post(
        f"/m/inspection/cases/{case.pk}/documents/inspection.review_report/").status_code == 404


def test_a_tax_only_decision_has_no_penalty_document(alpha, people, ranked, journey, client_for):
    case = journey.inspect(journey.to_inspecting(journey.select(ranked["A"])))
    journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[people.reviewer])
    journey.conflict_declare(actor=people.reviewer, case=case, has_conflict=False)
    from decimal import Decimal

    journey.review_decide(actor=people.reviewer, case=case, kind="tax_only", opinion="补税", tax_amount=Decimal("100"),
                          late_fee_amount=Decimal("0"), penalty_amount=Decimal("0"))
    page = client_for(people.reviewer).get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert 'data-report="inspection.tax_decision"' in page and 'data-report="inspection.penalty_decision"' not in page
