"""The audit trail export read by audit administrators who may each see part of the trails:
a unit's audit administrator exactly their unit's events, the district's exactly the
district's, in both formats (issue 13: every export needs a test as a partial reader)."""
from __future__ import annotations

import csv
import io

import openpyxl
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from zhengtong.audit.services import audit_record


def _objects(client) -> dict[str, list[str]]:
    """The 对象 column of the csv and the xlsx export, only the rows this test wrote."""
    out = {}
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/audit/export/{fmt}/", {"action": "test.partial"})
        assert response.status_code == 200, fmt
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if fmt == "csv":
            table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
            table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        column = table[0].index("对象")
        out[fmt] = sorted(row[column] for row in table[1:] if row and row[column].startswith("审计"))
    assert out["csv"] == out["xlsx"], out
    return out["csv"]


def test_each_audit_administrator_exports_exactly_their_own_trail(alpha, beta, make_user, client_for):
    for schema, text in (("u_alpha", "审计甲单位事件"), ("u_beta", "审计乙单位事件"), ("public", "审计区级事件")):
        with schema_context(schema):
            audit_record(action="test.partial", object_repr=text)
    alpha_auditor = make_user(alpha, ["platform.audit_admin"], name="甲审计员")
    beta_auditor = make_user(beta, ["platform.audit_admin"], name="乙审计员")
    district_auditor = make_user(district_roles=["district.audit_admin"], name="区审计员")

    assert _objects(client_for(alpha_auditor, ALPHA_HOST)) == ["审计甲单位事件"]
    assert _objects(client_for(beta_auditor, BETA_HOST)) == ["审计乙单位事件"]
    assert _objects(client_for(district_auditor, DISTRICT_HOST)) == ["审计区级事件"]
