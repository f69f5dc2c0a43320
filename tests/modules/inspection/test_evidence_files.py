"""Evidence files on working papers (zhengtong.files): inspectors of the case add them while
the inspection is open; after the report is co-signed the evidence is frozen; the case's
reviewer reads them; people outside the case cannot."""
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tests.support.documents import PDF  # noqa: E402  (uploads must be real PDFs)
from zhengtong.audit.models import AuditEvent


def _upload(client, paper, name="银行流水.pdf"):
    return client.post(f"/files/upload/inspection.evidence/{paper.pk}/",
                       {"file": SimpleUploadedFile(name, PDF, content_type="application/pdf"),
                        "next": f"/m/inspection/cases/{paper.case_id}/"})


def test_evidence_files_follow_the_case(alpha, people, ranked, journey, client_for):
    from zhengtong.files.models import Attachment

    case = journey.to_inspecting(journey.select(ranked["A"]))
    paper = journey.paper_add(actor=people.inspector1, case=case, title="银行账户核查", content="调取对公账户流水")
    c2 = client_for(people.inspector2)
    assert _upload(c2, paper).status_code == 302
    with schema_context(alpha.schema_name):
        attachment = Attachment.objects.get()
        assert attachment.name == "银行流水.pdf"
    page = c2.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert "银行流水.pdf" in page and "上传证据文件" in page  # listed, and on the case's timeline
    # someone not on the case can neither add nor read
    assert _upload(client_for(people.inspector3), paper).status_code == 404
    assert client_for(people.selector).get(f"/files/{attachment.pk}/").status_code == 404
    # co-signed: the inspection stage is submitted, its evidence frozen
    journey.report_submit(actor=people.inspector1, case=case, summary="报告")
    journey.report_cosign(actor=people.inspector2, case=case)
    assert _upload(c2, paper, "补充.pdf").status_code == 403
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="files.attachment.add", result="denied",
                                         actor_id=people.inspector2.pk).exists()
    journey.case_assign(actor=people.chief, case=case, role="reviewer", users=[people.reviewer])
    journey.conflict_declare(actor=people.reviewer, case=case, has_conflict=False)
    r = client_for(people.reviewer).get(f"/files/{attachment.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert client_for(people.chief).get(f"/files/{attachment.pk}/").status_code == 200
