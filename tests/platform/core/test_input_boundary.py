"""The input boundary (issue 13): control characters in any request are refused with a
message, stored ones never break an export, absurd dates are refused, and a create form
sent twice (double click) creates one record."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from django_tenants.utils import schema_context

from tests.conftest import DISTRICT_HOST
from zhengtong.registry.registry import THREE_ADMINS, unit_roles

# The nine list pages that answered ?q=%00 with a 500 (the search reached PostgreSQL).
UNIT_LIST_PAGES = ["/m/assets/", "/members/", "/m/equipment/devices/", "/m/equipment/repairs/",
                   "/m/equipment/custody/keys/", "/m/inspection/entities/", "/m/inspection/cases/",
                   "/m/inspection/regulations/"]
DISTRICT_LIST_PAGES = ["/units/"]
REFUSAL = "控制字符"


@pytest.fixture
def staff(alpha, make_user):
    """A member holding every ordinary role of alpha (sees every list page)."""
    return make_user(alpha, [r.key for r in unit_roles() if r.key not in THREE_ADMINS])


@pytest.fixture
def staff_client(staff, client_for):
    return client_for(staff)


# ----------------------------------------------------------------------------- control characters
@pytest.mark.parametrize("path", UNIT_LIST_PAGES)
@pytest.mark.parametrize("query", ["q=%00", "q=a%0bb", "status=%01"])
def test_list_page_refuses_control_characters_in_the_query(staff_client, path, query):
    assert staff_client.get(path).status_code == 200  # the page is there for this person
    response = staff_client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()


@pytest.mark.parametrize("path", DISTRICT_LIST_PAGES)
def test_district_list_page_refuses_a_nul_in_the_query(operator, client_for, path):
    client = client_for(operator, DISTRICT_HOST)
    assert client.get(path).status_code == 200
    response = client.get(f"{path}?q=%00")
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()


def test_plain_search_still_works(staff_client, make_asset, alpha, staff):
    make_asset(alpha, name="投影仪\t甲", custodian=staff)  # tab is text, not a control character here
    response = staff_client.get("/m/assets/?q=投影仪")
    assert response.status_code == 200
    assert "投影仪" in response.content.decode()


def test_the_asset_form_refuses_a_vertical_tab_and_stores_nothing(staff_client, alpha):
    from modules.assets.models import Asset

    response = staff_client.post("/m/assets/new/", asset_form(name="台式\x0b计算机"))
    assert response.status_code == 400
    body = response.content.decode()
    assert REFUSAL in body and "name" in body
    with schema_context(alpha.schema_name):
        assert not Asset.objects.filter(name__startswith="台式").exists()


def test_the_api_refuses_control_characters_in_json_and_query(staff_client, alpha):
    from modules.assets.models import Asset

    card = {"name": "打印机\u000b", "category": "办公设备", "original_value": "100.00",
            "acquired_on": "2024-01-02"}
    response = staff_client.post("/api/assets/cards/", json.dumps(card), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "name"
    assert REFUSAL in response.json()["detail"]
    nested = staff_client.post("/api/assets/cards/", json.dumps({"x": [{"y": "\u0000"}]}),
                               content_type="application/json")
    assert nested.status_code == 400 and nested.json()["field"] == "x.0.y"
    assert staff_client.get("/api/assets/cards/?q=%00").status_code == 400
    with schema_context(alpha.schema_name):
        assert not Asset.objects.filter(name__startswith="打印机").exists()


def test_the_api_still_takes_clean_json(staff_client):
    card = {"name": "打印机", "category": "办公设备", "original_value": "100.00", "acquired_on": "2024-01-02"}
    response = staff_client.post("/api/assets/cards/", json.dumps(card), content_type="application/json")
    assert response.status_code == 201, response.content


def asset_form(**overrides) -> dict:
    data = {"name": "台式计算机", "category": "计算机", "spec": "", "quantity": "1", "unit_of_measure": "台",
            "original_value": "4800.00", "acquired_on": "2024-03-01", "acquisition_method": "purchase",
            "funding_source": "", "service_life_years": "", "department": "", "location": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ----------------------------------------------------------------------------- exports never break


def test_a_stored_control_character_does_not_break_the_units_export(alpha, make_asset, make_user, client_for):
    """Stored before the boundary existed (or written by a script): the export still opens,
    with U+FFFD where the character was."""
    import openpyxl

    from modules.assets.models import Asset

    officer = make_user(alpha, ["assets.asset_officer"])
    card = make_asset(alpha, name="占位")
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=card.pk).update(name="台式\x0b计算机甲", spec="=1+1\x1f")
    response = client_for(officer).get("/imports/export/assets.asset.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = {c.value: c for row in workbook.worksheets[0].iter_rows() for c in row}
    assert "台式\ufffd计算机甲" in cells
    assert cells["=1+1\ufffd"].data_type == "s"  # still text, never a formula


def test_the_district_rollup_export_survives_a_control_character(alpha, make_asset, operator, client_for):
    import openpyxl

    from modules.assets.district.services import unit_summary_refresh
    from modules.assets.models import Asset

    card = make_asset(alpha)
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=card.pk).update(department="办公\x0b室")
    unit_summary_refresh(unit=alpha)
    response = client_for(operator, DISTRICT_HOST).get("/assets/export.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "办公\ufffd室" in cells


def test_the_problem_report_of_an_import_survives_a_control_character():
    import openpyxl

    from zhengtong.imports.writers import problems_workbook

    data = problems_workbook([(2, "名称\x0b", "不是有效日期：\x01")], headers=("行", "列", "问题"))
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == (2, "名称\ufffd", "不是有效日期：\ufffd")


# ----------------------------------------------------------------------------- once per submission
CREATE_PAGES = ["/m/assets/new/", "/m/assets/lending/new/", "/m/assets/stocktake/new/", "/m/equipment/devices/new/",
                "/m/equipment/places/new/", "/m/equipment/types/new/", "/m/equipment/training/new/",
                "/m/equipment/custody/keys/new/", "/m/equipment/custody/damage/new/", "/m/personnel/people/new/",
                "/m/personnel/organisation/departments/new/", "/m/personnel/organisation/posts/new/",
                "/m/inspection/entities/new/", "/m/inspection/regulations/new/", "/m/inspection/cases/new/"]


def token_of(page: str) -> str:
    match = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert match, "the form carries no submission token"
    return match.group(1)


def test_two_identical_posts_of_the_asset_form_register_one_card(staff_client, alpha):
    from modules.assets.models import Asset

    token = token_of(staff_client.get("/m/assets/new/").content.decode())
    data = {**asset_form(name="双击测试机"), "submission_token": token}
    first = staff_client.post("/m/assets/new/", data)
    second = staff_client.post("/m/assets/new/", data)  # the double click
    with schema_context(alpha.schema_name):
        cards = list(Asset.objects.filter(name="双击测试机"))
    assert len(cards) == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/m/assets/{cards[0].pk}/"
    page = staff_client.get(second["Location"]).content.decode()
    assert "未重复处理" in page  # says why nothing new was made
    # A new form (a new token) registers a second card, as the person then means it.
    again = {**data, "submission_token": token_of(staff_client.get("/m/assets/new/").content.decode())}
    assert staff_client.post("/m/assets/new/", again).status_code == 302
    with schema_context(alpha.schema_name):
        assert Asset.objects.filter(name="双击测试机").count() == 2


def test_a_refused_form_sent_again_after_correction_acts(staff_client, alpha):
    from modules.assets.models import Asset

    token = token_of(staff_client.get("/m/assets/new/").content.decode())
    refused = staff_client.post("/m/assets/new/", {**asset_form(name="更正测试", original_value="-1"),
                                                   "submission_token": token})
    assert refused.status_code == 200  # the form again, with its error
    corrected = staff_client.post("/m/assets/new/", {**asset_form(name="更正测试"), "submission_token": token})
    assert corrected.status_code == 302
    with schema_context(alpha.schema_name):
        assert Asset.objects.filter(name="更正测试").count() == 1


def test_someone_elses_token_leads_nowhere(staff_client, alpha, make_user, client_for):
    token = token_of(staff_client.get("/m/assets/new/").content.decode())
    assert staff_client.post("/m/assets/new/", {**asset_form(name="甲的卡片"), "submission_token": token}
                             ).status_code == 302
    other = client_for(make_user(alpha, ["assets.asset_officer"]))
    response = other.post("/m/assets/new/", {**asset_form(name="乙的卡片"), "submission_token": token})
    assert response.status_code == 400


def test_tokens_are_kept_a_day(staff_client, staff):
    from datetime import timedelta

    from django.utils import timezone

    from zhengtong.core.models import FormSubmission

    old = FormSubmission.objects.create(token="old-token", user=staff, schema_name="alpha", path="/m/assets/new/",
                                        result_url="/m/assets/1/")
    FormSubmission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    token = token_of(staff_client.get("/m/assets/new/").content.decode())
    staff_client.post("/m/assets/new/", {**asset_form(name="保留测试"), "submission_token": token})
    kept = set(FormSubmission.objects.values_list("token", flat=True))
    assert token in kept and "old-token" not in kept


def test_a_token_in_use_holds_back_a_second_request_until_the_first_is_done(db):
    """Two POSTs of one token arriving together: the second (another connection, as another
    web worker would have) cannot take the token while the first is acting on it."""
    import threading

    from django.db import connections

    from zhengtong.core.submissions import LOCK_SPACE, _token_lock

    taken = []

    def second_request():
        try:
            with connections["default"].cursor() as cursor:  # this thread's own connection
                cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LOCK_SPACE, "same-token"])
                taken.append(cursor.fetchone()[0])
        finally:
            connections.close_all()  # ends the session, and with it any lock it took

    def run_second():
        thread = threading.Thread(target=second_request)
        thread.start()
        thread.join()

    with _token_lock("same-token"):
        run_second()
    run_second()
    assert taken == [False, True]


@pytest.mark.parametrize("path", CREATE_PAGES)
def test_every_create_form_carries_a_submission_token(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 200
    token_of(response.content.decode())


def test_two_identical_posts_of_the_regulation_form_add_one_article(staff_client, alpha):
    from modules.inspection.models import RegulationArticle

    page = staff_client.get("/m/inspection/regulations/new/").content.decode()
    data = {"law_name": "中华人民共和国税收征收管理法", "doc_number": "", "article_no": "第六十三条",
            "title": "双击测试", "text": "纳税人伪造、变造、隐匿、擅自销毁账簿……", "effective_from": "2015-04-24",
            "effective_to": "", "submission_token": token_of(page)}
    first = staff_client.post("/m/inspection/regulations/new/", data)
    second = staff_client.post("/m/inspection/regulations/new/", data)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.status_code == 302 and second["Location"] == first["Location"]
    with schema_context(alpha.schema_name):
        assert RegulationArticle.objects.filter(title="双击测试").count() == 1


# ----------------------------------------------------------------------------- plausible dates
def test_the_asset_form_refuses_an_absurd_acquisition_date(staff_client, alpha):
    from datetime import timedelta

    from django.utils import timezone

    from modules.assets.models import Asset

    for typed, reason in (("0719-08-10", "早于1900-01-01"),
                          ((timezone.localdate() + timedelta(days=1)).isoformat(), "晚于今天")):
        response = staff_client.post("/m/assets/new/", asset_form(name="日期测试", acquired_on=typed))
        assert response.status_code == 200  # the form again, with the reason
        assert reason in response.content.decode(), typed
    with schema_context(alpha.schema_name):
        assert not Asset.objects.filter(name="日期测试").exists()
    assert staff_client.post("/m/assets/new/", asset_form(name="日期测试", acquired_on="2019-08-10")
                             ).status_code == 302


def test_the_api_refuses_an_absurd_acquisition_date(staff_client, alpha):
    from modules.assets.models import Asset

    card = {"name": "日期测试", "category": "办公设备", "original_value": "100.00", "acquired_on": "0719-08-10"}
    response = staff_client.post("/api/assets/cards/", json.dumps(card), content_type="application/json")
    assert response.status_code == 400
    assert "早于1900-01-01" in " ".join(response.json()["acquired_on"])
    with schema_context(alpha.schema_name):
        assert not Asset.objects.filter(name="日期测试").exists()


def test_the_staff_record_form_refuses_absurd_dates():
    from django.core.exceptions import ValidationError

    from modules.personnel.forms import PersonForm, TransferForm

    with pytest.raises(ValidationError, match="1900-01-01"):
        PersonForm.base_fields["birth_date"].clean("1850-03-01")
    with pytest.raises(ValidationError, match="3026"):
        TransferForm.base_fields["effective_date"].clean("3026-03-01")
    assert PersonForm.base_fields["birth_date"].clean("1985-03-01") == date(1985, 3, 1)


def _typed_date_rules():
    from django.apps import apps

    from zhengtong.core.dates import DateRangesMixin

    return [(model, name, rule) for model in apps.get_models() if issubclass(model, DateRangesMixin)
            for name, rule in model.date_ranges.items()]


def test_typed_dates_of_every_module_are_ranged():
    """The wiring: each listed date of each model is checked by full_clean (pages, API,
    imports) and the models people type dates into are listed."""
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    rules = _typed_date_rules()
    labels = {m._meta.label for m, _, _ in rules}
    assert {"assets.Asset", "assets_leasing.LeaseContract", "equipment.Device", "personnel.Person",
            "inspection.Payment", "equipment_custody.DamageIncident"} <= labels, labels
    tomorrow = timezone.localdate() + timedelta(days=1)
    for model, name, rule in rules:
        others = [f.name for f in model._meta.get_fields() if f.name != name]
        for value, refused in ((date(719, 8, 10), True), (date(2019, 8, 10), False),
                               (tomorrow, not rule.future), (date(3026, 1, 1), True)):
            obj = model(**{name: value})
            if refused:
                with pytest.raises(ValidationError) as caught:
                    obj.clean_fields(exclude=others)
                assert name in caught.value.message_dict, (model, name, value)
            else:
                obj.clean_fields(exclude=others)


# ----------------------------------------------------------------------------- in a browser
@pytest.mark.browser
def test_in_a_browser_a_double_click_registers_one_card_and_pasted_control_characters_are_named(
        django_db_setup, django_db_blocker):
    """gunicorn with two workers and Chromium: the double click's two POSTs may arrive at
    once; one card is registered and the page shows it. A name with a vertical tab (as
    pasted from Word) gets the refusal page naming the field."""
    import uuid

    from django.db import connection

    from modules.assets.models import Asset
    from tests.support.browser import chromium, live_server, signed_in_page
    from tests.support.committed import drop_unit, drop_users
    from tests.support.factories import MemberFactory, UnitFactory

    slug = "sr" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        unit = UnitFactory(name="浏览器录入局", slug=slug, module_keys=["assets"])
        user = MemberFactory(unit=unit, roles=["assets.asset_officer"], email=f"officer-{slug}@test.cn",
                             name="资产管理员 周")
        connection.set_schema_to_public()
        try:
            with live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                page = signed_in_page(browser, base, user)
                page.goto(f"{base}/m/assets/new/")
                page.fill("input[name=name]", "双击登记的打印机")
                page.fill("input[name=original_value]", "2600.00")
                page.fill("input[name=acquired_on]", "2023-04-05")
                page.dblclick("main button.primary")
                page.wait_for_url(re.compile(r"/m/assets/\d+/$"))
                page.wait_for_load_state()
                assert "双击登记的打印机" in page.locator("main").inner_text()

                page.goto(f"{base}/m/assets/new/")
                page.fill("input[name=name]", "从Word粘贴\x0b的名称")
                page.fill("input[name=original_value]", "100.00")
                page.fill("input[name=acquired_on]", "2023-04-05")
                with page.expect_navigation():
                    page.click("main button.primary")
                text = page.locator("main").inner_text()
                assert "控制字符" in text and "name" in text
            with schema_context(unit.schema_name):
                assert Asset.objects.filter(name="双击登记的打印机").count() == 1
                assert not Asset.objects.filter(name__startswith="从Word").exists()
        finally:
            drop_unit(unit)
            drop_users([user])
