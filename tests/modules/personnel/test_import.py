"""Staff records and earlier careers imported from xlsx through the shared import service, as
HR sees it: template, upload, a row/column report in Chinese, all or nothing, a second run
changes nothing; ID numbers stored encrypted; exports mask them."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST
from tests.support.personnel import department_with_post

PEOPLE_URL = "/imports/personnel.person/"
HISTORY_URL = "/imports/personnel.history/"


def xlsx(headers, rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, url, data: bytes):
    return client.post(url, {"file": SimpleUploadedFile("人员.xlsx", data)})


def last_job():
    from zhengtong.imports.models import ImportJob

    with schema_context("u_alpha"):
        return ImportJob.objects.latest("id")


def problems(job):
    from django.utils import translation

    from zhengtong.imports.services import render_message

    with translation.override("zh-hans"):
        return [(e["row"], e["column"], render_message(e["message"], e["params"])) for e in job.errors]


def people():
    from modules.personnel.models import Person

    with schema_context("u_alpha"):
        return list(Person.objects.order_by("name").select_related("post"))


@pytest.fixture
def hr(alpha, make_user):
    department_with_post(alpha, dept_name="办公室", post_title="文秘", establishment=3)
    return make_user(alpha, ["personnel.hr"], name="甲人事")


def _template_headers(client, url):
    r = client.get(url + "template.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    return [c.value for c in ws[1]]


def _person_row(name, id_number, post="文秘", gender="女", entry="2021-09-01", employment="公务员"):
    return [name, gender, id_number, entry, "办公室", post, "一级科员", employment, "大学本科", "中共党员"]


def test_staff_import_creates_encrypted_records_and_a_second_run_changes_nothing(alpha, hr, client_for):
    c = client_for(hr, ALPHA_HOST)
    headers = _template_headers(c, PEOPLE_URL)
    assert headers[:5] == ["姓名*", "性别*", "身份证号码*", "入职日期*", "部门*"]
    data = xlsx(headers, [_person_row("王晓梅", "11010519491231002X"), _person_row("李明", "110105198001010032",
                                                                                    gender="男")])
    assert upload(c, PEOPLE_URL, data).status_code == 302
    job = last_job()
    assert job.status == "done", problems(job)
    assert job.created_count == 2
    got = people()
    assert [(p.name, p.gender, p.post.title, p.education, p.political_status) for p in got] == [
        ("李明", "male", "文秘", "bachelor", "cpc_member"), ("王晓梅", "female", "文秘", "bachelor", "cpc_member")]
    assert got[1].birth_date == date(1949, 12, 31) and got[1].entry_date == date(2021, 9, 1)
    with schema_context("u_alpha"), connection.cursor() as cur:  # at rest: no plain ID number anywhere in the row
        cur.execute("SELECT count(*) FROM personnel_person WHERE row(personnel_person.*)::text LIKE %s",
                    ["%11010519491231002X%"])
        assert cur.fetchone()[0] == 0
        assert got[1].history.get().kind == "entry"  # the timeline starts at entry
    # the same file again is refused as already imported; the file again with one more row:
    # the two known people are recognised, only the new one is added
    upload(c, PEOPLE_URL, data)
    assert "未重复导入" in problems(last_job())[0][2]
    again = xlsx(headers, [_person_row("王晓梅", "11010519491231002X"), _person_row("李明", "110105198001010032",
                                                                                     gender="男"),
                           _person_row("赵强", "440305199003030055", gender="男")])
    upload(c, PEOPLE_URL, again)
    job = last_job()
    assert job.status == "done" and job.created_count == 1 and job.unchanged_count == 2, problems(job)
    assert len(people()) == 3
    # the post is now full (3 of 3): a fourth person is refused on their row
    upload(c, PEOPLE_URL, xlsx(headers, [_person_row("钱芳", "510107197507200063")]))
    job = last_job()
    assert job.status == "invalid" and problems(job)[0][0] == 2 and "满编" in problems(job)[0][2], problems(job)


def test_staff_import_reports_bad_rows_in_chinese_and_writes_nothing(alpha, hr, client_for):
    c = client_for(hr, ALPHA_HOST)
    headers = _template_headers(c, PEOPLE_URL)
    rows = [_person_row("王晓梅", "11010519491231002X"),
            _person_row("张伟", "110105198001010031"),  # wrong check digit
            _person_row("赵强", "440305199003030055", post="不存在的岗位"),
            _person_row("钱芳", "510107197507200063", employment="临时工")]
    upload(c, PEOPLE_URL, xlsx(headers, rows))
    job = last_job()
    assert job.status == "invalid"
    found = problems(job)
    assert any(r == 3 and col.startswith("身份证号码") and "校验位" in msg for r, col, msg in found), found
    assert any(r == 4 and col.startswith("岗位") and "未找到" in msg for r, col, msg in found), found
    assert any(r == 5 and col.startswith("人员类别") and "公务员" in msg for r, col, msg in found), found
    assert people() == []  # all or nothing


def test_staff_import_respects_the_establishment(alpha, hr, client_for):
    from modules.personnel.models import Post

    with schema_context("u_alpha"):
        Post.objects.filter(pk=7001).update(establishment=0)
    c = client_for(hr, ALPHA_HOST)
    upload(c, PEOPLE_URL, xlsx(_template_headers(c, PEOPLE_URL), [_person_row("王晓梅", "11010519491231002X")]))
    job = last_job()
    assert job.status == "invalid" and any("满编" in m for _, _, m in problems(job)), problems(job)


def test_history_import_adds_earlier_careers_before_entry(alpha, hr, client_for):
    c = client_for(hr, ALPHA_HOST)
    upload(c, PEOPLE_URL, xlsx(_template_headers(c, PEOPLE_URL), [_person_row("王晓梅", "11010519491231002X")]))
    assert last_job().status == "done"
    headers = _template_headers(c, HISTORY_URL)
    assert headers[0] == "身份证号码*"
    bad = xlsx(headers, [["11010519491231002X", "2015-01-01", "2022-01-01", "某街道办", "综合科", "科员", "科员"],
                         ["110105198001010032", "2010-01-01", "2012-01-01", "某局", "", "", ""]])
    upload(c, HISTORY_URL, bad)
    job = last_job()
    assert job.status == "invalid"
    msgs = problems(job)
    assert any(r == 2 and "之前结束" in m for r, _, m in msgs), msgs  # overlaps the time in this unit
    assert any(r == 3 and "无此身份证号码" in m for r, _, m in msgs), msgs

    good = xlsx(headers, [["11010519491231002x", "2010-07-01", "2015-02-28", "某街道办", "综合科", "科员", "科员"],
                          ["11010519491231002X", "2015-03-01", "2021-08-31", "某局", "办公室", "副主任科员",
                           "一级科员"]])
    upload(c, HISTORY_URL, good)
    job = last_job()
    assert job.status == "done" and job.created_count == 2, problems(job)
    p = people()[0]
    with schema_context("u_alpha"):
        timeline = list(p.history.order_by("start_date").values_list("kind", "unit_name", "start_date", "end_date"))
    assert timeline == [("carried", "某街道办", date(2010, 7, 1), date(2015, 2, 28)),
                        ("carried", "某局", date(2015, 3, 1), date(2021, 8, 31)),
                        ("entry", "甲单位", date(2021, 9, 1), None)]
    upload(c, HISTORY_URL, xlsx(headers, [["11010519491231002X", "2010-07-01", "2015-02-28", "某街道办", "综合科",
                                           "科员", "科员"]]))
    assert last_job().unchanged_count == 1 and last_job().created_count == 0


def test_only_hr_imports_and_exports_mask_id_numbers(alpha, hr, client_for, make_user):
    c = client_for(hr, ALPHA_HOST)
    upload(c, PEOPLE_URL, xlsx(_template_headers(c, PEOPLE_URL), [_person_row("王晓梅", "11010519491231002X")]))
    staff = make_user(alpha, [])
    assert client_for(staff, ALPHA_HOST).post(PEOPLE_URL, {"file": SimpleUploadedFile("x.xlsx", b"x")}).status_code in (
        403, 404)
    r = c.get("/imports/export/personnel.person.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert values[0][:3] == ["姓名", "性别", "身份证号码"]
    assert values[1][0] == "王晓梅" and values[1][2] == "1101**********002X"
    assert "11010519491231002X" not in str(values)
