"""What every registered import definition promises, tested over the registry (a new
definition is covered as soon as it registers; it fails here until it has a setup below):

* a bad value of any column type (negative, huge, wrong type, a date like 0719-08-10) is
  refused on its row and column, or imported as a valid value; never a crash, never an
  "unexpected error", never an absurd date stored;
* a file that carries only some columns leaves the others of stored records as they are,
  and the job page says which columns were read and which were not in the file.
"""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST
from tests.support.personnel import department_with_post
from zhengtong.imports.definitions import normalise_header
from zhengtong.imports.registry import all_imports, get_import
from zhengtong.imports.writers import template_workbook

BAD = {
    "text": ["很长" * 3000, 1.5e20],
    "decimal": [-1, "-0.01", 10**30, "1e400", "abc", "NaN"],
    "int": [-1, 10**30, "abc", 1.5],
    "date": ["0719-08-10", "9999-12-31", "2024-02-30", "abc", -5],
    "email": ["not-an-email", "a" * 300 + "@x.cn"],
    "choice": ["无此值", 42],
}
ABSURD_DATES = {"0719-08-10", "9999-12-31"}


def _assets(alpha, make_user):
    return make_user(alpha, ["assets.asset_officer"])


def _people(alpha, make_user):
    department_with_post(alpha, dept_name="办公室", post_title="文秘", establishment=3)
    return make_user(alpha, ["personnel.hr"])


def _history(alpha, make_user):
    hr = _people(alpha, make_user)
    with schema_context(alpha.schema_name):  # the example row's person, on file
        person = get_import("personnel.person")
        job = _services().import_job_create(definition=person, actor=hr, filename="p.xlsx",
                                            data=template_workbook(person))
        assert job.status == "done", job.errors
    return hr


def _services():
    from zhengtong.imports import services

    return services


SETUPS = {"assets.asset": _assets, "personnel.person": _people, "personnel.history": _history}


def workbook(definition, changes: dict | None = None, keep: set | None = None) -> bytes:
    """The definition's template with its example row, ``changes`` {column key: value}
    applied, and only the columns in ``keep`` (all when None)."""
    columns = [c for c in definition.columns if keep is None or c.key in keep]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([c.header_zh for c in columns])
    values = {c.key: c.example for c in definition.columns} | (changes or {})
    ws.append([values[c.key] for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, definition, data: bytes):
    r = client.post(f"/imports/{definition.key}/", {"file": SimpleUploadedFile("数据.xlsx", data)})
    assert r.status_code == 302, r.status_code
    from zhengtong.imports.models import ImportJob

    with schema_context("u_alpha"):
        return ImportJob.objects.latest("id"), r["Location"]


def natural_key_values(definition) -> dict:
    # A natural key left blank in the example (an asset number assigned automatically)
    # gets a value, so the second file names the same record.
    return {k: "NK-0001" for k in definition.natural_key if definition.column(k).example is None}


def test_every_registered_definition_has_a_setup_here():
    assert {d.key for d in all_imports()} <= SETUPS.keys()


CASES = [pytest.param(d.key, c.key, bad, id=f"{d.key}-{c.key}-{i}")
         for d in all_imports() for c in d.columns for i, bad in enumerate(BAD[c.type])]


@pytest.mark.parametrize("key,column,bad", CASES)
def test_a_bad_value_is_refused_on_its_row_and_column_never_with_a_crash(alpha, make_user, client_for,
                                                                         key, column, bad):
    definition = get_import(key)
    client = client_for(SETUPS[key](alpha, make_user), ALPHA_HOST)
    job, _ = upload(client, definition, workbook(definition, {column: bad}))
    header = normalise_header(definition.column(column).header_zh)
    assert job.status in ("done", "invalid"), job.errors  # not "failed: unexpected error"
    if job.status == "invalid":
        assert job.errors and all(e["row"] == 2 and normalise_header(e["column"]) == header
                                  for e in job.errors), job.errors
    if definition.column(column).type == "date" and bad in ABSURD_DATES:
        assert job.status == "invalid"


@pytest.mark.parametrize("key", [d.key for d in all_imports()])
def test_a_file_with_some_columns_leaves_the_others_as_stored_and_says_which_were_read(
        alpha, make_user, client_for, key):
    definition = get_import(key)
    client = client_for(SETUPS[key](alpha, make_user), ALPHA_HOST)
    nk = natural_key_values(definition)
    first, _ = upload(client, definition, workbook(definition, nk))
    assert first.status == "done" and first.created_count == 1, first.errors
    required = {c.key for c in definition.columns if c.required} | set(definition.natural_key)
    absent = [c for c in definition.columns if c.key not in required]
    assert absent, "the example must have an optional column to leave out"
    second, url = upload(client, definition, workbook(definition, nk, keep=required))
    assert second.status == "done", second.errors  # not refused as "different" for the columns left out
    assert second.created_count == 0 and second.unchanged_count == 1
    page = client.get(url).content.decode()
    assert "从文件读取的列" in page and "文件中没有这些列" in page
    for c in absent:
        assert c.header_zh in page


# The engine's side of the contract, with definitions made for the test: the model's own
# validation runs even where a definition's column says less than the model, and a
# refusal raised by a module's service while writing is reported, not "unexpected".

def _loose_asset_import(writer=None):
    from django.core.exceptions import ValidationError

    from modules.assets.imports import AssetImport
    from zhengtong.imports.definitions import Column

    class LooseAssets(AssetImport):
        key = "tests.loose_assets"
        # Declared by hand, without the model's minimum of 0.
        columns = tuple(Column("original_value", "原值（元）", "Original value", type="decimal", required=True,
                               max_digits=16, decimal_places=2, example="5000.00") if c.key == "original_value" else c
                        for c in AssetImport.columns)

        def writer(self, *, actor):
            if writer == "refuses":
                class Refusing:
                    def add(self, records):
                        raise ValidationError({"name": "名称与另一张卡片冲突"})

                    def finish(self):
                        raise AssertionError("not reached")

                return Refusing()
            return super().writer(actor=actor)

    return LooseAssets()


def _run(monkeypatch, alpha, actor, definition, changes):
    from modules.assets.models import Asset
    from zhengtong.imports import registry, services

    registry.get_import("assets.asset")  # the registry is loaded before it is patched
    monkeypatch.setitem(registry._imports, definition.key, definition)
    with schema_context(alpha.schema_name):
        job = services.import_job_create(definition=definition, actor=actor, filename="x.xlsx",
                                         data=workbook(definition, changes))
        return job, Asset.objects.count()


def test_the_models_own_validation_refuses_a_value_on_its_row_and_column(monkeypatch, alpha, make_user):
    officer = _assets(alpha, make_user)
    job, cards = _run(monkeypatch, alpha, officer, _loose_asset_import(), {"original_value": "-5.00"})
    assert job.status == "invalid" and cards == 0
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "原值（元）")]


def test_a_refusal_raised_while_writing_is_reported_and_nothing_is_written(monkeypatch, alpha, make_user):
    officer = _assets(alpha, make_user)
    job, cards = _run(monkeypatch, alpha, officer, _loose_asset_import("refuses"), {})
    assert job.status == "invalid" and cards == 0
    [error] = job.errors
    assert error["column"] == "资产名称" and error["params"]["reason"] == "名称与另一张卡片冲突"


# The inspection module's filing import is its own (modules/inspection/services/register.py,
# not in the registry); it promises the same: a bad value is a row/column problem, never a crash.

def _filing_headers() -> list[str]:
    from modules.inspection.services.register import IMPORT_COLUMNS

    return list(IMPORT_COLUMNS)


FILING_BAD = ["-1", 10**30, "1e400", "abc", 1.5e300, "0719-08-10", "9999-12-31"]


@pytest.mark.parametrize("header", _filing_headers())
def test_the_filing_import_reports_bad_values_on_their_row_and_column(alpha, make_user, header):
    from modules.inspection.services import filings_import, import_template

    selector = make_user(alpha, ["inspection.selector"])
    template = openpyxl.load_workbook(io.BytesIO(import_template())).worksheets[0]
    headers = [c.value for c in template[1]]
    for bad in FILING_BAD:
        ws = openpyxl.Workbook().active
        ws.append(headers)
        ws.append([bad if h == header else c.value for h, c in zip(headers, template[2], strict=False)])
        buf = io.BytesIO()
        ws.parent.save(buf)
        with schema_context(alpha.schema_name):
            result = filings_import(actor=selector, filename="f.xlsx", data=buf.getvalue())  # never raises
        problems = [(e.row, e.column) for e in result.errors]
        assert all(p == (2, header) for p in problems), (bad, problems)
        if header == "申报日期" and bad in ABSURD_DATES:
            assert problems, bad
