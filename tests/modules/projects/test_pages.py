"""The project pages as people use them: the list (filters, sort, pagination, export within what
one may see), the application form, the submit confirmation, the actions a person is offered, and
unit isolation with the same project ids in two units."""
from __future__ import annotations

import io
from decimal import Decimal

from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST


def _make(unit, pk, name, actor, investment="600000.00", year=2026):
    from modules.projects.models import Project

    with schema_context(unit.schema_name):
        return Project.objects.create(pk=pk, name=name, scope="network", kind="new", year=year,
                                      estimated_investment=Decimal(investment), project_class="large",
                                      applicant=actor)


def test_apply_through_the_form_and_see_the_class(alpha, people, client_for):
    c = client_for(people.staff, ALPHA_HOST)
    r = c.post("/m/projects/new/", {"name": "数据中心网络扩建", "scope": "network", "kind": "extension",
                                    "estimated_investment": "500000.01", "year": "2026", "description": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    page = c.get(r["Location"]).content.decode()
    assert "数据中心网络扩建" in page and ("Large" in page or "大型" in page)


def test_a_bad_form_shows_the_reason(alpha, people, client_for):
    c = client_for(people.staff, ALPHA_HOST)
    r = c.post("/m/projects/new/", {"name": "机房", "scope": "network", "kind": "new",
                                    "estimated_investment": "0", "year": "2026"})
    assert r.status_code == 200
    assert "投资估算须大于零" in r.content.decode()


def test_finance_has_no_application_form_and_cannot_create_in_another_unit(alpha, beta, people, make_user,
                                                                           client_for):
    from modules.projects import manifest as m
    from modules.projects.models import Project

    assert client_for(people.finance, ALPHA_HOST).get("/m/projects/new/").status_code == 403
    beta_finance = make_user(beta, [m.FINANCE, m.STAFF], name="乙单位计财部")
    r = client_for(beta_finance, ALPHA_HOST).post("/m/projects/new/", {
        "name": "越权立项", "scope": "network", "kind": "new", "estimated_investment": "100", "year": "2026"})
    assert r.status_code == 404
    with schema_context(alpha.schema_name):
        assert not Project.objects.filter(name="越权立项").exists()


def test_the_list_filters_sorts_pages_and_exports_what_one_may_see(alpha, people, apply, client_for):
    apply(alpha, people.staff, "100000.00", name="一般项目甲")
    apply(alpha, people.staff, "900000.00", name="大型项目乙")
    apply(alpha, people.staff, "20000000.00", name="重大项目丙", year=2027)
    apply(alpha, people.other_staff, "300000.00", name="他人的项目")
    it = client_for(people.it, ALPHA_HOST)
    page = it.get("/m/projects/?project_class=large").content.decode()
    assert "大型项目乙" in page and "一般项目甲" not in page and "重大项目丙" not in page
    page = it.get("/m/projects/?year=2027").content.decode()
    assert "重大项目丙" in page and "大型项目乙" not in page
    page = it.get("/m/projects/?sort=-investment").content.decode()
    assert page.index("重大项目丙") < page.index("大型项目乙") < page.index("他人的项目") < page.index("一般项目甲")
    # An applicant sees their own projects only, on the page and in the spreadsheet.
    mine = client_for(people.staff, ALPHA_HOST)
    page = mine.get("/m/projects/").content.decode()
    assert "一般项目甲" in page and "他人的项目" not in page
    import openpyxl

    r = mine.get("/imports/export/projects.project.xlsx?project_class=general")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming
                                              else r.content)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "一般项目甲" in names and "他人的项目" not in names and "大型项目乙" not in names


def test_the_list_pages(alpha, people, apply, client_for):
    for i in range(27):
        apply(alpha, people.staff, "1000.00", name=f"分页项目{i:02d}")
    c = client_for(people.it, ALPHA_HOST)
    first = c.get("/m/projects/?sort=name").content.decode()
    second = c.get("/m/projects/?sort=name&page=2").content.decode()
    assert "分页项目00" in first and "分页项目25" not in first
    assert "分页项目25" in second and "分页项目26" in second


def test_the_detail_offers_only_the_actions_one_may_take(alpha, people, apply, client_for):
    project = apply(alpha, people.staff, "600000.00")
    own = client_for(people.staff, ALPHA_HOST).get(f"/m/projects/{project.pk}/").content.decode()
    assert f"/m/projects/{project.pk}/submit/" in own and f"/m/projects/{project.pk}/edit/" in own
    finance = client_for(people.finance, ALPHA_HOST).get(f"/m/projects/{project.pk}/").content.decode()
    assert f"/m/projects/{project.pk}/submit/" not in finance and f"/m/projects/{project.pk}/edit/" not in finance
    # The unit's leader may submit the unit's application, not change it.
    leader = client_for(people.leader, ALPHA_HOST).get(f"/m/projects/{project.pk}/").content.decode()
    assert f"/m/projects/{project.pk}/submit/" in leader and f"/m/projects/{project.pk}/edit/" not in leader
    assert client_for(people.other_staff, ALPHA_HOST).get(f"/m/projects/{project.pk}/").status_code == 404
    assert client_for(people.finance, ALPHA_HOST).get(f"/m/projects/{project.pk}/edit/").status_code == 404


def test_submit_asks_for_confirmation(alpha, people, apply, client_for):
    project = apply(alpha, people.staff, "600000.00")
    c = client_for(people.staff, ALPHA_HOST)
    r = c.post(f"/m/projects/{project.pk}/submit/", {"reason": "计划内"})
    assert r.status_code == 200  # not confirmed: the page again, nothing submitted
    with schema_context(alpha.schema_name):
        from modules.projects.models import Project

        assert Project.objects.get(pk=project.pk).status == "draft"
    r = c.post(f"/m/projects/{project.pk}/submit/", {"reason": "计划内", "confirm": "on"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        assert Project.objects.get(pk=project.pk).status == "in_approval"


def test_same_ids_in_two_units_stay_apart(alpha, beta, people, make_user, client_for):
    from modules.projects import manifest as m

    beta_it = make_user(beta, [m.IT_AUTHORITY], name="乙单位运营改善部")
    _make(alpha, 9001, "甲单位专有项目ALPHA-MARK", people.staff)
    _make(beta, 9001, "乙单位专有项目BETA-MARK", beta_it)
    alpha_page = client_for(people.it, ALPHA_HOST).get("/m/projects/9001/").content.decode()
    beta_page = client_for(beta_it, BETA_HOST).get("/m/projects/9001/").content.decode()
    assert "ALPHA-MARK" in alpha_page and "BETA-MARK" not in alpha_page
    assert "BETA-MARK" in beta_page and "ALPHA-MARK" not in beta_page
    # A member of beta on alpha's host: not a member there, nothing of alpha's.
    for path in ("/m/projects/9001/", "/m/projects/", "/m/projects/9001/edit/"):
        r = client_for(beta_it, ALPHA_HOST).get(path)
        assert r.status_code == 404 and b"ALPHA-MARK" not in r.content
    r = client_for(beta_it, BETA_HOST).get("/imports/export/projects.project.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "乙单位专有项目BETA-MARK" in names and "甲单位专有项目ALPHA-MARK" not in names


def test_a_major_project_is_refused_on_the_submit_page_until_a_full_time_member_joins(alpha, people, apply,
                                                                                       client_for):
    from modules.projects.models import Project

    project = apply(alpha, people.staff, "10000000.01")
    c = client_for(people.staff, ALPHA_HOST)
    page = c.get(f"/m/projects/{project.pk}/submit/").content.decode()
    assert "脱产" in page  # the confirmation says what a major project needs
    r = c.post(f"/m/projects/{project.pk}/submit/", {"confirm": "on"})
    assert r.status_code == 200 and "重大信息化项目的业务项目组须有脱产成员" in r.content.decode()
    r = c.post(f"/m/projects/{project.pk}/members/", {"person": people.other_staff.pk, "role": "member",
                                                      "full_time": "on"})
    assert r.status_code == 302
    detail = c.get(f"/m/projects/{project.pk}/").content.decode()
    assert people.other_staff.name in detail
    assert c.post(f"/m/projects/{project.pk}/submit/", {"confirm": "on"}).status_code == 302
    with schema_context(alpha.schema_name):
        assert Project.objects.get(pk=project.pk).status == "in_approval"
