"""The audit administrator's view of the trail: search, filter, page, export (itself
audited); nobody else sees it, nobody can edit it."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_record


@pytest.fixture
def auditor(alpha, make_user):
    return make_user(alpha, ["platform.audit_admin"], name="审计员")


def events_in(schema, **filters):
    with schema_context(schema):
        return list(AuditEvent.objects.filter(**filters).order_by("id"))


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_the_audit_admin_searches_and_filters_the_units_trail(alpha, auditor, make_user, client_for):
    clerk = make_user(alpha, [], name="张三")
    with schema_context("u_alpha"):
        audit_record(action="test.view.login", actor=clerk, object_repr="张三的账户", ip="198.51.100.7")
        audit_record(action="test.view.export", actor=clerk, object_repr="资产清单", result="denied")
    client = client_for(auditor, ALPHA_HOST)

    page = client.get("/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "审计记录" in text and "test.view.login" in text and "198.51.100.7" in text

    only_denied = client.get("/audit/", {"result": "denied", "actor": "张三"}).content.decode()
    assert "test.view.export" in only_denied and "test.view.login" not in only_denied

    by_object = client.get("/audit/", {"object": "张三的账户"}).content.decode()
    assert "test.view.login" in by_object and "test.view.export" not in by_object

    by_action = client.get("/audit/", {"action": "view.exp", "actor": str(clerk.pk)}).content.decode()
    assert "test.view.export" in by_action and "test.view.login" not in by_action

    today = timezone.localdate()
    in_range = client.get("/audit/", {"date_from": today.isoformat(), "date_to": today.isoformat(),
                                      "action": "test.view"}).content.decode()
    assert "test.view.login" in in_range
    before_today = client.get("/audit/", {"date_to": (today - timedelta(days=1)).isoformat(),
                                          "action": "test.view"}).content.decode()
    assert "test.view.login" not in before_today

    wrong = client.get("/audit/", {"date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat()})
    assert wrong.status_code == 200 and "开始日期晚于结束日期" in wrong.content.decode()
    assert "test.view.login" not in wrong.content.decode()


def test_the_trail_is_paginated(alpha, auditor, client_for):
    with schema_context("u_alpha"):
        for i in range(60):
            audit_record(action="test.page", object_repr=f"第{i}条")
    client = client_for(auditor, ALPHA_HOST)
    first = client.get("/audit/", {"action": "test.page"})
    assert first.context["page"].paginator.count == 60 and len(first.context["page"].object_list) == 50
    assert "第59条" in first.content.decode() and "page=2" in first.content.decode()
    second = client.get("/audit/", {"action": "test.page", "page": 2})
    assert len(second.context["page"].object_list) == 10 and "第0条" in second.content.decode()


@pytest.mark.parametrize("roles", [[], ["platform.unit_admin"], ["platform.system_admin"],
                                   ["platform.security_admin"], ["assets.asset_officer"]])
def test_nobody_but_the_audit_admin_sees_the_trail_and_the_attempt_is_recorded(alpha, make_user, client_for, roles):
    user = make_user(alpha, roles)
    client = client_for(user, ALPHA_HOST)
    for url in ("/audit/", "/audit/export/csv/", "/audit/export/xlsx/"):
        assert client.get(url).status_code == 403
    assert client.post("/audit/verify/").status_code == 403
    refused = events_in("u_alpha", action="audit.read", actor_id=user.pk, result="denied")
    assert len(refused) == 4 and refused[0].detail == "GET /audit/"
    assert not events_in("u_alpha", action="audit.export", actor_id=user.pk)


def test_strangers_and_anonymous_visitors_get_nothing(alpha, beta, make_user, client_for):
    beta_auditor = make_user(beta, ["platform.audit_admin"])
    assert client_for(beta_auditor, ALPHA_HOST).get("/audit/").status_code == 404  # not a member of alpha
    anonymous = client_for(None, ALPHA_HOST).get("/audit/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # An audit admin reads only their own unit's trail.
    with schema_context("u_alpha"):
        audit_record(action="test.alpha-only")
    text = client_for(beta_auditor, BETA_HOST).get("/audit/", {"action": "test."}).content.decode()
    assert "test.alpha-only" not in text


def test_the_district_audit_admin_reads_the_district_trail(alpha, make_user, client_for, operator):
    district_auditor = make_user(district_roles=["district.audit_admin"])
    with schema_context("public"):
        audit_record(action="test.district-event", actor=operator)
    page = client_for(district_auditor, DISTRICT_HOST).get("/audit/")
    assert page.status_code == 200 and "test.district-event" in page.content.decode()
    assert client_for(operator, DISTRICT_HOST).get("/audit/").status_code == 403
    unit_auditor = make_user(alpha, ["platform.audit_admin"])
    assert client_for(unit_auditor, DISTRICT_HOST).get("/audit/").status_code in (403, 404)


def test_nothing_in_the_trail_can_be_edited_through_the_web(alpha, auditor, client_for):
    with schema_context("u_alpha"):
        event = audit_record(action="test.immutable")
    client = client_for(auditor, ALPHA_HOST)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/audit/").status_code == 405
    for path in (f"/audit/{event.pk}/", f"/audit/{event.pk}/edit/", f"/audit/{event.pk}/delete/"):
        with pytest.raises(Resolver404):
            resolve(path, urlconf="zhengtong.urls_tenant")
    for name in ("audit:edit", "audit:delete", "audit:update"):
        with pytest.raises(NoReverseMatch):
            reverse(name, urlconf="zhengtong.urls_tenant")
    assert client.get("/admin/audit/auditevent/").status_code == 404  # no admin on unit hosts
    with schema_context("u_alpha"):
        assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


def test_csv_export_follows_the_filters_defuses_formulas_and_is_audited(alpha, auditor, make_user, client_for):
    clerk = make_user(alpha, [], name="=HYPERLINK(\"http://evil\")")
    with schema_context("u_alpha"):
        audit_record(action="test.csv.one", actor=clerk, object_repr="资产卡片一", after={"原值": "5000.00"})
        audit_record(action="test.csv.two", actor=clerk, object_repr="+SUM(A1)")
        audit_record(action="test.other", object_repr="不导出")
    response = client_for(auditor, ALPHA_HOST).get("/audit/export/csv/", {"action": "test.csv"},
                                                    REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="audit-u_alpha-' in response["Content-Disposition"]
    rows = rows_of(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["事件", "时间（UTC）", "本地时间"]
    assert [r[header.index("操作")] for r in body] == ["test.csv.two", "test.csv.one"]
    assert all(r[header.index("操作人")] == f"'{clerk}" and r[header.index("操作人")].startswith("'=HYPERLINK")
               for r in body)
    assert body[0][header.index("对象")] == "'+SUM(A1)"
    assert body[1][header.index("变更后")] == '{"原值": "5000.00"}'
    assert body[1][1].endswith("Z")

    [export] = events_in("u_alpha", action="audit.export", actor_id=auditor.pk)
    assert export.after == {"format": "csv", "filters": {"action": "test.csv"}, "rows": 2}
    assert export.ip == "203.0.113.9"


def test_xlsx_export_has_the_rows_as_plain_text(alpha, auditor, client_for):
    with schema_context("u_alpha"):
        audit_record(action="test.xlsx", object_repr="=1+1", before={"状态": "在用"}, after={"状态": "闲置"})
    response = client_for(auditor, ALPHA_HOST).get("/audit/export/xlsx/", {"action": "test.xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    data = [c for c in sheet[2]]
    assert sheet.max_row == 2 and data[header.index("操作")].value == "test.xlsx"
    formula_cell = data[header.index("对象")]
    assert formula_cell.value == "=1+1" and formula_cell.data_type == "s"
    assert data[header.index("变更前")].value == '{"状态": "在用"}'
    [export] = events_in("u_alpha", action="audit.export", actor_id=auditor.pk)
    assert export.after["format"] == "xlsx" and export.after["rows"] == 1


def test_the_audit_admin_can_verify_the_chain_from_the_page(alpha, auditor, client_for):
    client = client_for(auditor, ALPHA_HOST)
    response = client.post("/audit/verify/", follow=True)
    assert "审计记录完整" in response.content.decode()
    [check] = events_in("u_alpha", action="audit.verify", actor_id=auditor.pk)
    assert check.result == "success" and check.after["broken_id"] is None


def test_the_sidebar_offers_the_trail_to_the_audit_admin_only(alpha, auditor, make_user, client_for):
    assert 'href="/audit/"' in client_for(auditor, ALPHA_HOST).get("/").content.decode()
    admin = make_user(alpha, ["platform.unit_admin"])
    assert 'href="/audit/"' not in client_for(admin, ALPHA_HOST).get("/").content.decode()
