"""Writes on the reference data case selection reads: the taxpayer register, financial
filings (typed in or imported from a spreadsheet), industry benchmarks (imported or
computed from the filings) and the regulation library. Atomic and audited."""
from __future__ import annotations

import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.validators import validate_credit_code
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.imports.reader import SpreadsheetError, read_table

from ..indicators import BY_KEY, FIELD_LABELS, FILING_FIELDS, INDICATORS, PLACES, compute_all
from ..models import FinancialFiling, IndustryBenchmark, InspectedEntity, RegulationArticle, filing_problems
from ..rules import current_rules
from ..validators import Period, normalise_industry_code, validate_industry_code

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

ENTITY_FIELDS = ("name", "credit_code", "industry_code", "industry_name", "tax_office", "size", "is_key_taxpayer")
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _require_perm(actor: User, perm: str, message: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise Refused(message, detail=f"missing {perm}")


def _entity_snapshot(e: InspectedEntity) -> dict[str, Any]:
    return {f: getattr(e, f) for f in ENTITY_FIELDS}


def _filing_snapshot(f: FinancialFiling) -> dict[str, Any]:
    return {"period": f.period, **{k: getattr(f, k) for k in FILING_FIELDS}, "filed_on": f.filed_on}


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# ---------------------------------------------------------------- taxpayer register
@audited_refusal("inspection.entity.create")
@transaction.atomic
def entity_register(*, actor: User, name: str, credit_code: str, industry_code: str, industry_name: str = "",
                    tax_office: str = "", size: str = InspectedEntity.Size.SMALL,
                    is_key_taxpayer: bool = False) -> InspectedEntity:
    _require_perm(actor, "inspection.add_inspectedentity",
                  _("Only case selectors keep the taxpayer register (只有选案人员可以维护纳税人名册)."))
    entity = InspectedEntity(name=name.strip(), credit_code=credit_code.strip().upper(),
                             industry_code=normalise_industry_code(industry_code), industry_name=industry_name,
                             tax_office=tax_office, size=size, is_key_taxpayer=is_key_taxpayer)
    entity.full_clean()
    entity.save()
    audit_record(action="inspection.entity.create", actor=actor, obj=entity, after=_entity_snapshot(entity))
    return entity


@audited_refusal("inspection.entity.update", obj_arg="entity")
@transaction.atomic
def entity_update(*, actor: User, entity: InspectedEntity, **changes) -> InspectedEntity:
    _require_perm(actor, "inspection.change_inspectedentity",
                  _("Only case selectors keep the taxpayer register (只有选案人员可以维护纳税人名册)."))
    entity = InspectedEntity.objects.select_for_update().get(pk=entity.pk)
    before = _entity_snapshot(entity)
    for k, v in changes.items():
        if k not in ENTITY_FIELDS:
            raise ValueError(k)
        setattr(entity, k, normalise_industry_code(v) if k == "industry_code" else v)
    entity.full_clean()
    entity.save()
    b, a = _diff(before, _entity_snapshot(entity))
    if b:
        audit_record(action="inspection.entity.update", actor=actor, obj=entity, before=b, after=a)
    return entity


# ---------------------------------------------------------------- filings
@audited_refusal("inspection.filing.save", obj_arg="entity")
@transaction.atomic
def filing_save(*, actor: User, entity: InspectedEntity, period: str, filed_on: date | None = None,
                **figures: Decimal | None) -> FinancialFiling:
    """Create or correct one period's filing; corrections are audited old → new."""
    _require_perm(actor, "inspection.add_financialfiling",
                  _("Only case selectors record filings (只有选案人员可以录入申报数据)."))
    period = str(Period.parse(period))
    unknown = set(figures) - set(FILING_FIELDS)
    if unknown:
        raise ValueError(f"unknown filing fields {unknown}")
    filing = FinancialFiling.objects.select_for_update().filter(entity=entity, period=period).first()
    created = filing is None
    filing = filing or FinancialFiling(entity=entity, period=period)
    before = {} if created else _filing_snapshot(filing)
    for k, v in figures.items():
        setattr(filing, k, v)
    filing.filed_on = filed_on if filed_on is not None else filing.filed_on
    filing.full_clean()
    filing.save()
    after = _filing_snapshot(filing)
    if created:
        audit_record(action="inspection.filing.create", actor=actor, obj=entity, after=after)
    else:
        b, a = _diff(before, after)
        if b:
            audit_record(action="inspection.filing.update", actor=actor, obj=entity,
                         before={"period": period, **b}, after={"period": period, **a})
    return filing


# Spreadsheet columns: Chinese headers as the template has them; English keys also work.
IMPORT_COLUMNS: dict[str, str] = {
    "统一社会信用代码": "credit_code", "纳税人名称": "name", "行业代码": "industry_code", "行业名称": "industry_name",
    "主管税务机关": "tax_office", "企业规模": "size", "重点税源户": "is_key_taxpayer", "期间": "period",
    **{zh: key for key, (zh, _en) in FIELD_LABELS.items() if key in FILING_FIELDS},
    "申报日期": "filed_on",
}
HEADER_OF = {key: header for header, key in IMPORT_COLUMNS.items()}
SIZE_WORDS = {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro"}
YES = {"是", "y", "yes", "1", "true", "重点"}
NO = {"否", "n", "no", "0", "false", ""}  # "" = not given


@dataclass
class ImportError_:
    row: int | None
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[ImportError_] = field(default_factory=list)
    entities_created: int = 0
    entities_updated: int = 0
    filings_created: int = 0
    filings_updated: int = 0
    benchmarks_saved: int = 0
    rows: int = 0
    # The figure columns the file carried (Chinese headers): only these were written; a
    # correction file with a few columns leaves every other figure of a filing as it was.
    figure_columns: list[str] = field(default_factory=list)


class _RowInvalid(Exception):
    """A row the model refused while writing (e.g. a correction that contradicts the filing's
    other figures): the whole import is rolled back and the row's problems are listed."""

    def __init__(self, row: int, exc: ValidationError):
        super().__init__(row)
        self.row, self.exc = row, exc


def _money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, float):
        value = repr(value)
    text = str(value).replace(",", "").replace("，", "").strip()
    try:
        d = Decimal(text)
    except InvalidOperation as exc:
        raise Invalid(_("Not a number (不是数字).")) from exc
    if not d.is_finite():
        raise Invalid(_("Not a number (不是数字)."))
    try:
        cents = d.quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # more digits than a decimal holds (1e400): an HTTP 500 before
        raise Invalid(_("The number is too large (数值过大).")) from exc
    if d != cents:
        raise Invalid(_("Amounts have at most 2 decimal places (金额最多保留两位小数)."))
    return cents


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError as exc:
        raise Invalid(_("Write dates as 2024-03-31 (日期格式应为2024-03-31).")) from exc


def _parse_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """One spreadsheet row → clean values and {column: problem}."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for header, key in IMPORT_COLUMNS.items():
        if header in raw:
            cell = raw[header]
        elif key in raw:
            cell, header = raw[key], key
        else:
            continue
        try:
            if key in FILING_FIELDS:
                values[key] = _money(cell)
            elif key == "filed_on":
                values[key] = _date(cell)
            elif key == "is_key_taxpayer":
                word = str(cell if cell is not None else "").strip().lower()
                if word not in YES | NO:
                    raise Invalid(_("Write 是 or 否 (请填写“是”或“否”)."))
                if word:  # blank: not given, the register keeps what it has
                    values[key] = word in YES
            elif key == "size":
                word = str(cell or "").strip()
                if word:
                    size = SIZE_WORDS.get(word, word.lower())
                    if size not in InspectedEntity.Size.values:
                        raise Invalid(_("Size is 大型, 中型, 小型 or 微型 "
                                        "(企业规模应为大型、中型、小型或微型)."))
                    values[key] = size
            elif key == "period":
                values[key] = str(Period.parse(str(cell or "")))
            elif key == "credit_code":
                code = str(cell or "").strip().upper()
                validate_credit_code(code)
                values[key] = code
            elif key == "industry_code":
                if cell not in (None, ""):
                    code = normalise_industry_code(str(cell))
                    validate_industry_code(code)
                    values[key] = code
            else:
                if cell not in (None, ""):
                    values[key] = str(cell).strip()
        except ValidationError as exc:
            errors[header] = exc.messages[0]
    for key, header in (("credit_code", "统一社会信用代码"), ("period", "期间")):
        if key not in values and header not in errors:
            errors[header] = _("Required (必填).")
    for key, message in filing_problems(values).items():
        errors.setdefault(HEADER_OF[key], message)
    return values, errors


@audited_refusal("inspection.filing.import")
def filings_import(*, actor: User, filename: str, data: bytes) -> ImportResult:
    """Import taxpayers and their filings from an .xlsx/.csv sheet, one row per filing.

    Every row is checked first; if any row is wrong nothing is written and the problems are
    listed by row and column. Unknown taxpayers are added to the register (name and
    industry code needed); known ones keep their data unless the row gives new values.
    """
    _require_perm(actor, "inspection.add_financialfiling",
                  _("Only case selectors import filings (只有选案人员可以导入申报数据)."))
    result = ImportResult()
    if len(data) > MAX_IMPORT_BYTES:
        result.errors.append(ImportError_(None, "", _("The file is larger than 10 MB (文件超过10MB).")))
        return result
    try:
        table = read_table(filename, data)
    except SpreadsheetError as exc:
        result.errors.append(ImportError_(None, "", str(exc)))
        return result
    known = {h for h in table.headers if h in IMPORT_COLUMNS or h in IMPORT_COLUMNS.values()}
    if not {"统一社会信用代码", "credit_code"} & known or not {"期间", "period"} & known:
        result.errors.append(ImportError_(None, "", _("Missing column(s) (缺少列)") + ": 统一社会信用代码, 期间"))
        return result
    result.figure_columns = [h for h, key in IMPORT_COLUMNS.items() if key in FILING_FIELDS
                             and (h in table.headers or key in table.headers)]
    existing = {e.credit_code: e for e in InspectedEntity.objects.all()}
    parsed = []
    seen: set[tuple[str, str]] = set()
    new_codes: set[str] = set()
    for row_no, raw in table.rows:
        values, errors = _parse_row(raw)
        code, period = values.get("credit_code"), values.get("period")
        if code and period:
            if (code, period) in seen:
                errors["期间"] = _("This taxpayer and period appear twice in the file (同一纳税人同一期间重复).")
            seen.add((code, period))
        if code and code not in existing and code not in new_codes:
            for key, header in (("name", "纳税人名称"), ("industry_code", "行业代码")):
                if not values.get(key) and header not in errors:
                    errors[header] = _("Needed for a taxpayer not yet in the register (新纳税人必填).")
            new_codes.add(code)
        for header, message in errors.items():
            result.errors.append(ImportError_(row_no, header, message))
        parsed.append((row_no, values))
    result.rows = len(parsed)
    if result.errors:
        return result
    if not parsed:
        result.errors.append(ImportError_(None, "", _("The file has no data rows (文件没有数据行).")))
        return result
    try:
        _filings_write(actor=actor, rows=parsed, existing=existing, result=result, filename=filename)
    except _RowInvalid as bad:
        # Rolled back (the write is one transaction): nothing of the file is kept.
        result.entities_created = result.entities_updated = result.filings_created = result.filings_updated = 0
        problems = bad.exc.message_dict if hasattr(bad.exc, "error_dict") else {"": bad.exc.messages}
        for key, messages in problems.items():
            for message in messages:
                result.errors.append(ImportError_(bad.row, HEADER_OF.get(key, key), message))
    return result


@transaction.atomic
def _filings_write(*, actor: User, rows: list[tuple[int, dict]], existing: dict[str, InspectedEntity],
                   result: ImportResult, filename: str) -> None:
    created_keys = []
    for row_no, values in rows:
        try:
            _filing_row_write(actor=actor, values=values, existing=existing, result=result, filename=filename,
                              created_keys=created_keys)
        except ValidationError as exc:
            raise _RowInvalid(row_no, exc) from exc
    audit_record(action="inspection.filing.import", actor=actor, object_type="inspection.FinancialFiling",
                 object_id="import", object_repr=filename[:200],
                 after={"rows": len(rows), "entities_created": result.entities_created,
                        "entities_updated": result.entities_updated, "filings_created": result.filings_created,
                        "filings_updated": result.filings_updated, "created": created_keys,
                        "figure_columns": result.figure_columns})


def _filing_row_write(*, actor: User, values: dict, existing: dict[str, InspectedEntity], result: ImportResult,
                      filename: str, created_keys: list[str]) -> None:
    code = values["credit_code"]
    entity = existing.get(code)
    entity_values = {k: values[k] for k in ENTITY_FIELDS if k in values and k != "credit_code"}
    if entity is None:
        entity = InspectedEntity(credit_code=code, **entity_values)
        entity.full_clean()
        entity.save()
        existing[code] = entity
        result.entities_created += 1
        audit_record(action="inspection.entity.create", actor=actor, obj=entity, after=_entity_snapshot(entity),
                     detail=f"import {filename}")
    elif entity_values:
        before = _entity_snapshot(entity)
        for k, v in entity_values.items():
            setattr(entity, k, v)
        b, a = _diff(before, _entity_snapshot(entity))
        if b:
            entity.full_clean()
            entity.save()
            result.entities_updated += 1
            audit_record(action="inspection.entity.update", actor=actor, obj=entity, before=b, after=a,
                         detail=f"import {filename}")
    # Only the figures whose column is in the file (a blank cell in a present column is
    # "not reported"); an absent column leaves the filing's figure as it was.
    figures = {k: values[k] for k in FILING_FIELDS if k in values}
    filing = FinancialFiling.objects.filter(entity=entity, period=values["period"]).first()
    if filing is None:
        filing = FinancialFiling(entity=entity, period=values["period"], filed_on=values.get("filed_on"), **figures)
        filing.full_clean()
        filing.save()
        result.filings_created += 1
        created_keys.append(f"{code}/{values['period']}")
    else:
        before = _filing_snapshot(filing)
        for k, v in figures.items():
            setattr(filing, k, v)
        if values.get("filed_on"):
            filing.filed_on = values["filed_on"]
        b, a = _diff(before, _filing_snapshot(filing))
        if b:
            filing.full_clean()
            filing.save()
            result.filings_updated += 1
            audit_record(action="inspection.filing.update", actor=actor, obj=entity,
                         before={"period": filing.period, **b}, after={"period": filing.period, **a},
                         detail=f"import {filename}")


def import_template() -> bytes:
    """An .xlsx with the import columns and one example row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报数据"
    ws.append(list(IMPORT_COLUMNS))
    from tenants.validators import credit_code_check_char

    example = "91110105MA01ABCD1"
    row = {"credit_code": example + credit_code_check_char(example), "name": "示例商贸有限公司",
           "industry_code": "F5137", "industry_name": "计算机及辅助设备批发", "tax_office": "第一税务所",
           "size": "小型",
           "is_key_taxpayer": "否", "period": "2024", "revenue": "1000000.00", "cost_of_sales": "800000.00",
           "cost_expense_total": "930000.00", "tax_payable": "32000.00", "taxes_paid": "30000.00",
           "total_profit": "50000.00", "inventory_opening": "120000.00", "inventory_closing": "100000.00",
           "purchases": "780000.00", "receivables_opening": "90000.00", "receivables_closing": "110000.00",
           "current_assets": "600000.00", "current_liabilities": "400000.00", "cash": "150000.00",
           # only when the period before was never filed; otherwise leave it empty
           "previous_revenue": "850000.00", "filed_on": "2025-01-20"}
    ws.append([row[key] for key in IMPORT_COLUMNS.values()])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- industry benchmarks
@dataclass
class BenchmarkOutcome:
    indicator: str
    value: Decimal | None
    sample_size: int


def _median(values: list[Decimal]) -> Decimal:
    return Decimal(statistics.median(values)).quantize(PLACES, rounding=ROUND_HALF_UP)


@audited_refusal("inspection.benchmark.compute")
@transaction.atomic
def benchmark_compute(*, actor: User, industry_code: str, period: str) -> list[BenchmarkOutcome]:
    """The industry's benchmark per indicator = the median of the indicator over the filings
    of that period by taxpayers in the industry (the code and every code below it).

    The median, not the mean: one taxpayer with an absurd ratio must not move the benchmark
    the others are measured against. An indicator with fewer values than the unit's minimum
    sample gets no computed benchmark (any earlier one stays, and the outcome says so).
    """
    _require_perm(actor, "inspection.add_industrybenchmark",
                  _("Only case selectors set industry benchmarks (只有选案人员可以设置行业基准)."))
    code = normalise_industry_code(industry_code)
    validate_industry_code(code)
    p = Period.parse(period)
    rules = current_rules()
    filings = list(FinancialFiling.objects.filter(period=str(p), entity__industry_code__startswith=code)
                   .select_related("entity"))
    previous = {f.entity_id: f for f in FinancialFiling.objects.filter(
        period=str(p.previous()), entity_id__in=[f.entity_id for f in filings])}
    values: dict[str, list[Decimal]] = {i.key: [] for i in INDICATORS}
    for f in filings:
        for key, res in compute_all(f, previous.get(f.entity_id)).items():
            if res.ok:
                values[key].append(res.value)
    outcomes, before, after = [], {}, {}
    for ind in INDICATORS:
        sample = values[ind.key]
        if len(sample) < rules.benchmark_min_sample:
            outcomes.append(BenchmarkOutcome(ind.key, None, len(sample)))
            continue
        median = _median(sample)
        row = IndustryBenchmark.objects.select_for_update().filter(
            industry_code=code, period=str(p), indicator=ind.key).first()
        if row is not None:
            before[ind.key] = {"value": row.value, "source": row.source, "sample_size": row.sample_size}
        row = row or IndustryBenchmark(industry_code=code, period=str(p), indicator=ind.key)
        row.value, row.source, row.sample_size, row.updated_by = median, IndustryBenchmark.Source.COMPUTED, \
            len(sample), actor
        row.save()
        after[ind.key] = {"value": median, "source": row.source, "sample_size": len(sample)}
        outcomes.append(BenchmarkOutcome(ind.key, median, len(sample)))
    audit_record(action="inspection.benchmark.compute", actor=actor, object_type="inspection.IndustryBenchmark",
                 object_id=f"{code}/{p}", object_repr=f"{code} {p}", before=before or None, after=after)
    return outcomes


BENCHMARK_COLUMNS = {"行业代码": "industry_code", "期间": "period", "指标": "indicator", "基准值": "value"}


@audited_refusal("inspection.benchmark.import")
def benchmarks_import(*, actor: User, filename: str, data: bytes) -> ImportResult:
    """Import benchmarks (行业代码, 期间, 指标, 基准值). Rates are written as percentages
    ("3.5" or "3.5%" for 3.5 %); turnovers in times; the quick ratio as a plain ratio."""
    _require_perm(actor, "inspection.add_industrybenchmark",
                  _("Only case selectors set industry benchmarks (只有选案人员可以设置行业基准)."))
    result = ImportResult()
    try:
        table = read_table(filename, data)
    except SpreadsheetError as exc:
        result.errors.append(ImportError_(None, "", str(exc)))
        return result
    missing = [h for h in BENCHMARK_COLUMNS if h not in table.headers]
    if missing:
        result.errors.append(ImportError_(None, "", _("Missing column(s) (缺少列)") + ": " + ", ".join(missing)))
        return result
    names = {i.name_zh: i.key for i in INDICATORS} | {i.key: i.key for i in INDICATORS} | {
        i.name_en.lower(): i.key for i in INDICATORS}
    rows = []
    for row_no, raw in table.rows:
        try:
            code = normalise_industry_code(str(raw["行业代码"] or ""))
            validate_industry_code(code)
        except ValidationError as exc:
            result.errors.append(ImportError_(row_no, "行业代码", exc.messages[0]))
            continue
        try:
            period = str(Period.parse(str(raw["期间"] or "")))
        except ValidationError as exc:
            result.errors.append(ImportError_(row_no, "期间", exc.messages[0]))
            continue
        key = names.get(str(raw["指标"] or "").strip()) or names.get(str(raw["指标"] or "").strip().lower())
        if key is None:
            result.errors.append(ImportError_(row_no, "指标", _("Unknown indicator (未知指标).")))
            continue
        text = str(raw["基准值"] if raw["基准值"] is not None else "").strip()
        percent = text.endswith("%")
        try:
            value = Decimal(repr(raw["基准值"]) if isinstance(raw["基准值"], float) else text.rstrip("%"))
        except InvalidOperation:
            result.errors.append(ImportError_(row_no, "基准值", _("Not a number (不是数字).")))
            continue
        if BY_KEY[key].display == "percent" or percent:
            value = value / 100
        rows.append((code, period, key, value.quantize(PLACES, rounding=ROUND_HALF_UP)))
    result.rows = len(rows)
    if not result.errors:
        _benchmarks_write(actor=actor, rows=rows, filename=filename, result=result)
    return result


@transaction.atomic
def _benchmarks_write(*, actor: User, rows, filename: str, result: ImportResult) -> None:
    changes = []
    for code, period, key, value in rows:
        row, created = IndustryBenchmark.objects.update_or_create(
            industry_code=code, period=period, indicator=key,
            defaults={"value": value, "source": IndustryBenchmark.Source.IMPORTED, "sample_size": None,
                      "updated_by": actor})
        changes.append(f"{code}/{period}/{key}={value}")
    result.benchmarks_saved = len(changes)
    audit_record(action="inspection.benchmark.import", actor=actor, object_type="inspection.IndustryBenchmark",
                 object_id="import", object_repr=filename[:200], after={"rows": changes})


# ---------------------------------------------------------------- regulation library
ARTICLE_FIELDS = ("law_name", "doc_number", "article_no", "title", "text", "effective_from", "effective_to")


@audited_refusal("inspection.regulation.create")
@transaction.atomic
def regulation_add(*, actor: User, law_name: str, article_no: str, title: str, text: str, effective_from: date,
                   effective_to: date | None = None, doc_number: str = "") -> RegulationArticle:
    _require_perm(actor, "inspection.add_regulationarticle",
                  _("Only reviewers keep the regulation library (只有审理人员可以维护政策法规库)."))
    article = RegulationArticle(law_name=law_name.strip(), doc_number=doc_number.strip(), article_no=article_no.strip(),
                                title=title.strip(), text=text.strip(), effective_from=effective_from,
                                effective_to=effective_to)
    if effective_to and effective_to < effective_from:
        raise Invalid({"effective_to": _("The end date is before the start date (失效日期早于生效日期).")})
    article.full_clean()
    article.save()
    audit_record(action="inspection.regulation.create", actor=actor, obj=article,
                 after={f: getattr(article, f) for f in ARTICLE_FIELDS})
    return article


@audited_refusal("inspection.regulation.update", obj_arg="article")
@transaction.atomic
def regulation_update(*, actor: User, article: RegulationArticle, **changes) -> RegulationArticle:
    _require_perm(actor, "inspection.change_regulationarticle",
                  _("Only reviewers keep the regulation library (只有审理人员可以维护政策法规库)."))
    article = RegulationArticle.objects.select_for_update().get(pk=article.pk)
    before = {f: getattr(article, f) for f in ARTICLE_FIELDS}
    for k, v in changes.items():
        if k not in ARTICLE_FIELDS:
            raise ValueError(k)
        setattr(article, k, v)
    if article.effective_to and article.effective_to < article.effective_from:
        raise Invalid({"effective_to": _("The end date is before the start date (失效日期早于生效日期).")})
    article.full_clean()
    article.save()
    b, a = _diff(before, {f: getattr(article, f) for f in ARTICLE_FIELDS})
    if b:
        audit_record(action="inspection.regulation.update", actor=actor, obj=article, before=b, after=a)
    return article
