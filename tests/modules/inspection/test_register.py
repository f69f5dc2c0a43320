"""The taxpayer register, filings (typed and imported), regulation library: who may write,
what is refused, and that one unit never sees another's data."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.inspection import selectors, services
from modules.inspection.models import FinancialFiling, InspectedEntity
from zhengtong.audit.models import AuditEvent

from .conftest import credit_code


def test_selector_registers_a_taxpayer_and_it_is_audited(alpha, people):
    with schema_context(alpha.schema_name):
        e = services.entity_register(actor=people.selector, name="甲商贸有限公司", credit_code=credit_code(),
                                     industry_code="f5137", tax_office="第一税务所", is_key_taxpayer=True)
        assert e.industry_code == "F5137"
        event = AuditEvent.objects.filter(action="inspection.entity.create").first()
        assert event.actor_id == people.selector.pk and event.after["name"] == "甲商贸有限公司"


def test_bad_codes_are_refused_with_a_reason(alpha, people):
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError) as exc:
            services.entity_register(actor=people.selector, name="乙公司", credit_code="91110105MA00000010",
                                     industry_code="F5137")
        assert "校验位" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            services.entity_register(actor=people.selector, name="乙公司", credit_code=credit_code(),
                                     industry_code="C51")
        assert "门类" in str(exc.value)


def test_only_selectors_keep_the_register_and_refusals_are_audited(alpha, people):
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied, match="选案人员"):
            services.entity_register(actor=people.inspector1, name="丙公司", credit_code=credit_code(),
                                     industry_code="F5137")
        assert not InspectedEntity.objects.filter(name="丙公司").exists()
        denied = AuditEvent.objects.filter(action="inspection.entity.create", result="denied").first()
        assert denied.actor_id == people.inspector1.pk


def test_a_corrected_filing_is_audited_old_to_new(alpha, people, make_entity):
    e = make_entity(alpha)
    with schema_context(alpha.schema_name):
        services.filing_save(actor=people.selector, entity=e, period="2024", revenue=Decimal("100.00"))
        services.filing_save(actor=people.selector, entity=e, period="2024", revenue=Decimal("120.00"),
                             taxes_paid=Decimal("3.00"))
        event = AuditEvent.objects.filter(action="inspection.filing.update").first()
        assert event.before == {"period": "2024", "revenue": "100.00", "taxes_paid": None}
        assert event.after == {"period": "2024", "revenue": "120.00", "taxes_paid": "3.00"}
        with pytest.raises(ValidationError):
            services.filing_save(actor=people.selector, entity=e, period="2024", revenue=Decimal("-1"))


def _xlsx(rows):
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HEAD = ["统一社会信用代码", "纳税人名称", "行业代码", "企业规模", "重点税源户", "期间", "营业收入", "营业成本",
        "实缴税额"]


def test_import_is_all_or_nothing_and_lists_problems_by_row(alpha, people):
    good, other = credit_code(), credit_code()
    data = _xlsx([HEAD,
                  [good, "丁商贸", "F5137", "小型", "否", "2024", 1000000, 800000, 30000],
                  [other, "戊商贸", "C51", "巨型", "也许", "2024-5", "abc", 1.234, None]])
    with schema_context(alpha.schema_name):
        result = services.filings_import(actor=people.selector, filename="f.xlsx", data=data)
        problems = {(e.row, e.column) for e in result.errors}
        assert problems == {(3, "行业代码"), (3, "企业规模"), (3, "重点税源户"), (3, "期间"), (3, "营业收入"),
                            (3, "营业成本")}
        assert not InspectedEntity.objects.filter(credit_code=good).exists()


def test_import_creates_taxpayers_and_filings_and_keeps_blanks_as_not_reported(alpha, people):
    a, b = credit_code(), credit_code()
    data = _xlsx([HEAD,
                  [a, "己商贸", "F5137", "中型", "是", "2024", "1,000,000.00", 800000, None],
                  [a, None, None, None, None, "2023", 900000, 700000, 20000],
                  [b, "庚制造", "C1713", "小型", "否", "2024Q1", 500000.5, 400000, 1000]])
    with schema_context(alpha.schema_name):
        result = services.filings_import(actor=people.selector, filename="f.xlsx", data=data)
        assert result.errors == []
        assert (result.entities_created, result.filings_created) == (2, 3)
        e = InspectedEntity.objects.get(credit_code=a)
        assert e.is_key_taxpayer and e.size == "medium"
        f = FinancialFiling.objects.get(entity=e, period="2024")
        assert f.revenue == Decimal("1000000.00") and f.taxes_paid is None
        assert FinancialFiling.objects.get(entity__credit_code=b).revenue == Decimal("500000.50")
        event = AuditEvent.objects.filter(action="inspection.filing.import").first()
        assert event.after["filings_created"] == 3 and f"{a}/2024" in event.after["created"]
        # the same file again changes nothing
        again = services.filings_import(actor=people.selector, filename="f.xlsx", data=data)
        assert (again.filings_created, again.filings_updated, again.entities_updated) == (0, 0, 0)


def test_inspectors_cannot_import(alpha, people):
    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):
            services.filings_import(actor=people.inspector1, filename="f.xlsx", data=_xlsx([HEAD]))
        assert AuditEvent.objects.filter(action="inspection.filing.import", result="denied").exists()


def test_regulation_library_is_searchable_by_words_and_date(alpha, people):
    with schema_context(alpha.schema_name):
        services.regulation_add(actor=people.reviewer, law_name="中华人民共和国税收征收管理法", article_no="第六十三条",
                                title="偷税的处罚", text="纳税人伪造、变造、隐匿、擅自销毁帐簿、记帐凭证……",
                                effective_from=date(2001, 5, 1))
        old = services.regulation_add(actor=people.reviewer, law_name="旧办法", article_no="第一条",
                                      title="已废止的规定", text="隐匿收入的处理", effective_from=date(1995, 1, 1),
                                      effective_to=date(2000, 12, 31))
        found = selectors.regulation_search(user=people.inspector1, q="隐匿 帐簿")
        assert [a.article_no for a in found] == ["第六十三条"]
        hits = selectors.regulation_search(user=people.inspector1, q="隐匿", in_force_on=date(2024, 1, 1))
        assert old not in hits and len(hits) == 1
        with pytest.raises(ValidationError):
            services.regulation_add(actor=people.reviewer, law_name="x", article_no="1", title="t", text="t",
                                    effective_from=date(2024, 1, 1), effective_to=date(2023, 1, 1))
        with pytest.raises(PermissionDenied):
            services.regulation_add(actor=people.selector, law_name="x", article_no="1", title="t", text="t",
                                    effective_from=date(2024, 1, 1))


def test_units_do_not_see_each_others_taxpayers_with_the_same_ids(alpha, beta, make_user, make_entity, client_for):
    from tests.conftest import BETA_HOST

    e_a = make_entity(alpha, name="甲单位的纳税人", pk=9001)
    make_entity(beta, name="乙单位的纳税人", pk=9001)
    sel_a = make_user(alpha, ["inspection.selector"])
    with schema_context(alpha.schema_name):
        assert [e.name for e in selectors.entity_list(user=sel_a)] == ["甲单位的纳税人"]
    with schema_context(beta.schema_name):
        beta_selector = make_user(beta, ["inspection.selector"])
        assert [e.name for e in selectors.entity_list(user=beta_selector)] == ["乙单位的纳税人"]
    # a selector of alpha is not a member of beta: beta's host answers 404
    assert client_for(sel_a, BETA_HOST).get(f"/m/inspection/entities/{e_a.pk}/").status_code == 404


def test_the_import_template_carries_the_new_figures_and_imports_as_it_is(alpha, people):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(services.import_template()))
    header = [c.value for c in wb.active[1]]
    for column in ("成本费用总额", "应纳税额", "上期营业收入"):
        assert column in header
    with schema_context(alpha.schema_name):
        result = services.filings_import(actor=people.selector, filename="t.xlsx", data=services.import_template())
        assert result.errors == [] and result.filings_created == 1
        f = FinancialFiling.objects.get()
        assert (f.cost_expense_total, f.tax_payable, f.previous_revenue) == (
            Decimal("930000.00"), Decimal("32000.00"), Decimal("850000.00"))


def test_a_correction_with_some_columns_leaves_the_other_figures(alpha, people):
    """Issue 13: a file with credit code, period and revenue wiped eleven figures of the filing."""
    code = credit_code()
    full = ["统一社会信用代码", "纳税人名称", "行业代码", "期间", "营业收入", "营业成本", "成本费用总额", "应纳税额",
            "实缴税额", "利润总额"]
    with schema_context(alpha.schema_name):
        services.filings_import(actor=people.selector, filename="a.xlsx", data=_xlsx([
            full, [code, "辛商贸", "F5137", "2024", 1000000, 800000, 950000, 30000, 28000, 50000]]))
        result = services.filings_import(actor=people.selector, filename="b.xlsx", data=_xlsx([
            ["统一社会信用代码", "期间", "营业收入"], [code, "2024", 1200000]]))
        assert result.errors == [] and result.filings_updated == 1 and result.figure_columns == ["营业收入"]
        f = FinancialFiling.objects.get(entity__credit_code=code)
        assert f.revenue == Decimal("1200000.00")
        assert (f.cost_of_sales, f.cost_expense_total, f.tax_payable, f.taxes_paid, f.total_profit) == (
            Decimal("800000.00"), Decimal("950000.00"), Decimal("30000.00"), Decimal("28000.00"), Decimal("50000.00"))
        event = AuditEvent.objects.filter(action="inspection.filing.update").first()
        assert event.after == {"period": "2024", "revenue": "1200000.00"}


def test_contradicting_or_negative_figures_are_row_errors_not_a_crash(alpha, people):
    code, other = credit_code(), credit_code()
    head = ["统一社会信用代码", "纳税人名称", "行业代码", "期间", "营业成本", "成本费用总额"]
    with schema_context(alpha.schema_name):
        result = services.filings_import(actor=people.selector, filename="c.xlsx", data=_xlsx([
            head, [code, "壬商贸", "F5137", "2024", 800000, 700000]]))
        assert [(e.row, e.column) for e in result.errors] == [(2, "成本费用总额")]
        assert "不能小于营业成本" in result.errors[0].message
        # a correction of one figure that contradicts the filing's stored other figure
        services.filings_import(actor=people.selector, filename="d.xlsx", data=_xlsx([
            head, [code, "壬商贸", "F5137", "2024", 800000, 950000]]))
        result = services.filings_import(actor=people.selector, filename="e.xlsx", data=_xlsx([
            ["统一社会信用代码", "期间", "成本费用总额"], [code, "2024", 100]]))
        assert [(e.row, e.column) for e in result.errors] == [(2, "成本费用总额")]
        assert result.filings_updated == 0
        assert FinancialFiling.objects.get(entity__credit_code=code).cost_expense_total == Decimal("950000.00")
        result = services.filings_import(actor=people.selector, filename="f.xlsx", data=_xlsx([
            ["统一社会信用代码", "纳税人名称", "行业代码", "期间", "应纳税额"],
            [other, "癸商贸", "F5137", "2024", -5]]))
        assert [(e.row, e.column) for e in result.errors] == [(2, "应纳税额")]
        assert not InspectedEntity.objects.filter(credit_code=other).exists()
