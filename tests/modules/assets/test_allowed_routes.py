"""Routes that were tested only as refusals, now also as the person allowed, asserting what
that person notices (issue 13): the unit admin removing a department head on the mapping
page, and the asset officer filing a lending contract with the finance bureau on its page."""
from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.assets import services
from modules.assets.leasing.models import LeaseContract
from modules.assets.models import DepartmentHead
from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from tests.support.asset_cards import exported, listed
from tests.support.documents import PDF
from tests.support.lending import active_lease
from zhengtong.audit.models import AuditEvent


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_unit_admin_removes_a_department_head_and_the_head_loses_the_departments_cards(
        alpha, people, cards, client_for):
    with schema_context(alpha.schema_name):
        head = services.department_head_assign(actor=people.admin, user=people.head, department="财务科")
    head_client = client_for(people.head, ALPHA_HOST)
    assert listed(head_client) == ["PM-001", "PM-003"] == exported(head_client)

    admin = client_for(people.admin, ALPHA_HOST)
    remove_url = f"/m/assets/department-heads/{head.pk}/remove/"
    assert remove_url in admin.get("/m/assets/department-heads/").content.decode()
    r = admin.post(remove_url, follow=True)
    assert r.status_code == 200 and "部门负责人已移除" in _text(r)
    assert remove_url not in _text(r)  # the mapping is gone from the page
    with schema_context(alpha.schema_name):
        assert not DepartmentHead.objects.filter(pk=head.pk).exists()
        event = AuditEvent.objects.get(action="assets.department_head.remove", actor_id=people.admin.pk)
        assert event.before == {"user_id": people.head.pk, "department": "财务科"}
    # the head, still holding the role, no longer sees the department's cards anywhere
    assert listed(head_client) == [] == exported(head_client)
    assert head_client.get(f"/m/assets/{cards['store'].pk}/").status_code == 404


def test_the_asset_officer_files_a_contract_with_the_bureau_on_its_page(alpha, staff, make_asset, client_for):
    from modules.assets.leasing.attachments import CONTRACT_TEXT
    from zhengtong.files.services import attachment_add

    _asset, contract = active_lease(alpha, staff, make_asset, counterparty="页面备案承租方")
    officer = client_for(staff["officer"], ALPHA_HOST)
    detail = f"/m/assets/lending/{contract.pk}/"
    file_url = f"/m/assets/lending/{contract.pk}/file/"
    bureau = client_for(staff["bureau"], DISTRICT_HOST)
    assert file_url in officer.get(detail).content.decode()  # the button is offered
    # without the signed text the page says what is missing and nothing is filed
    r = officer.post(file_url, follow=True)
    assert r.status_code == 200 and "请先上传合同文本" in _text(r)
    assert "页面备案承租方" not in bureau.get("/assets/lending/").content.decode()

    with schema_context(alpha.schema_name):
        attachment_add(actor=staff["officer"], owner=contract, use=CONTRACT_TEXT,
                       upload=SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf"))
    r = officer.post(file_url, follow=True)
    assert r.status_code == 200
    with schema_context(alpha.schema_name):
        filed = LeaseContract.objects.get(pk=contract.pk)
        assert filed.filed_at is not None and filed.filed_by_id == staff["officer"].pk
        assert AuditEvent.objects.filter(action="assets.lending.file", actor_id=staff["officer"].pk,
                                         object_id=str(contract.pk), result="success").exists()
    page = _text(r)  # the page says when it was filed and no longer offers the button
    assert timezone.localtime(filed.filed_at).strftime("%Y-%m-%d %H:%M") in page and file_url not in page
    assert "页面备案承租方" in bureau.get("/assets/lending/").content.decode()  # the bureau now sees it
