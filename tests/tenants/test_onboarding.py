
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from tenants.bulk import units_bulk_onboard
from tenants.models import Unit, UnitModule
from tenants.services import invitation_accept, unit_onboard
from tenants.validators import validate_credit_code
from tests.conftest import DISTRICT_HOST
from tests.support.spreadsheets import units_xlsx


def tables_in(schema):
    with connection.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {r[0] for r in cur.fetchall()}


def test_credit_code_check_digit():
    validate_credit_code("91350100M000100Y43")
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100Y44")
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100Y4")  # 17 characters
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M0001I0Y43")  # I is not in the charset


def test_onboarded_unit_is_a_clone_of_the_template(alpha):
    assert alpha.schema_name == "u_alpha"
    assert tables_in("u_alpha") == tables_in("unit_template")
    assert "assets_asset" in tables_in("u_alpha")
    with schema_context("u_alpha"):
        from django.contrib.auth.models import Group

        roles = set(Group.objects.values_list("name", flat=True))
    assert {"platform.unit_admin", "platform.audit_admin", "assets.asset_officer", "assets.module_admin"} <= roles
    # migrations recorded as applied, so the next migrate_platform only runs new ones
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM u_alpha.django_migrations")
        unit_migrations = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM unit_template.django_migrations")
        assert unit_migrations == cur.fetchone()[0] > 0


def test_onboard_by_operator_through_portal_and_invitation(operator, client_for, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    c = client_for(operator, DISTRICT_HOST)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/units/new/", {"name": "区文化馆", "slug": "whg", "unit_type": "other",
                                   "credit_code": "12110105MB0000002C", "module_keys": ["assets"],
                                   "admin_email": "head@whg.cn", "admin_name": "王馆长"})
    assert r.status_code == 302, r.content.decode()[:2000]
    unit = Unit.objects.get(slug="whg")
    assert "whg.zt.test" == unit.primary_host
    assert list(UnitModule.objects.filter(unit=unit, enabled=True).values_list("module_key", flat=True)) == ["assets"]
    assert "u_whg" in {r[0] for r in _schemas()}
    [mail] = mailoutbox
    token = mail.body.split("/invite/")[1].split("/")[0]
    # the invitee sets a password and becomes unit admin there
    r = client_for(None, DISTRICT_HOST).post(f"/invite/{token}/", {"name": "王馆长", "password1": "Wh-Guan#2026x",
                                                                   "password2": "Wh-Guan#2026x"})
    assert r.status_code == 302
    c2 = client_for(None, "whg.zt.test")
    r = c2.post("/accounts/login/", {"username": "head@whg.cn", "password": "Wh-Guan#2026x"})
    # a unit administrator grants roles: the password alone opens nothing, the second factor follows
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/")
    assert c2.get("/")["Location"].startswith("/accounts/2fa/")
    from tests.support.two_factor import verified_session
    from zhengtong.accounts.models import User

    verified_session(c2, User.objects.get(email="head@whg.cn"))
    assert "platform.unit_admin" in c2.get("/").content.decode() or "单位管理员" in c2.get("/").content.decode()
    # the link works once only
    r = client_for(None, DISTRICT_HOST).get(f"/invite/{token}/")
    assert r.status_code == 404


def _schemas():
    with connection.cursor() as cur:
        cur.execute("SELECT schema_name FROM information_schema.schemata")
        return cur.fetchall()


def test_onboarding_form_errors_are_shown_and_nothing_is_created(operator, client_for):
    c = client_for(operator, DISTRICT_HOST)
    r = c.post("/units/new/", {"name": "坏单位", "slug": "alpha", "unit_type": "bureau",
                               "credit_code": "12110105MB0000002D", "admin_email": "x@y.cn"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "已被占用" in body and "校验位错误" in body
    assert Unit.objects.filter(name="坏单位").count() == 0


def test_only_operators_onboard(make_user, alpha, client_for):
    unit_admin = make_user(alpha, ["platform.unit_admin"])
    r = client_for(unit_admin, DISTRICT_HOST).post("/units/new/", {"name": "x", "slug": "xx"})
    assert r.status_code == 403
    with pytest.raises(PermissionDenied):
        unit_onboard(name="x", slug="xyz", actor=unit_admin)
    assert not Unit.objects.filter(slug="xyz").exists()


def test_bulk_onboarding_with_one_bad_row_writes_nothing(operator):
    data = units_xlsx([
        ["区体育局", "tyj", "", "局", "国有资产管理", "a@tyj.cn"],
        ["区一中", "yz1", "12110105MB0000001X", "学校", "assets", "b@yz.cn"],  # wrong check digit
        ["区二中", "yz2", "", "学校", "", "c@yz.cn"],
    ])
    before = len(_schemas())
    result = units_bulk_onboard(filename="units.xlsx", data=data, actor=operator)
    assert [(e.row, e.column) for e in result.errors] == [(3, "统一社会信用代码")]
    assert "校验位" in result.errors[0].message
    assert not Unit.objects.filter(slug__in=["tyj", "yz1", "yz2"]).exists()
    assert len(_schemas()) == before


def test_bulk_onboarding_duplicate_slugs_within_file(operator):
    data = units_xlsx([["甲", "dup", "", "局", "", ""], ["乙", "dup", "", "局", "", ""]])
    result = units_bulk_onboard(filename="units.xlsx", data=data, actor=operator)
    assert [(e.row, e.column) for e in result.errors] == [(3, "简称")]


def test_bulk_onboarding_all_good_queues_then_creates_every_unit(operator):
    from tenants.bulk import bulk_job_progress, bulk_job_run

    data = units_xlsx([["区体育局", "tyj", "", "局", "国有资产管理", "a@tyj.cn"],
                       ["区二中", "yz2", "", "学校", "", ""]])
    result = units_bulk_onboard(filename="units.xlsx", data=data, actor=operator)
    assert result.errors == []
    # Valid: queued for the worker, nothing created in the upload's request.
    assert not Unit.objects.filter(slug__in=["tyj", "yz2"]).exists()
    assert bulk_job_progress(result.job).remaining == 2

    bulk_job_run(result.job.pk)  # what the worker's task runs (tests/tenants/test_bulk_onboarding_worker.py)

    assert set(Unit.objects.filter(slug__in=["tyj", "yz2"]).values_list("unit_type", flat=True)) == {"bureau", "school"}
    assert UnitModule.objects.filter(unit__slug="tyj", module_key="assets", enabled=True).exists()
    progress = bulk_job_progress(result.job)
    assert (progress.created, progress.remaining, progress.percent) == (2, 0, 100)
    result.job.refresh_from_db()
    assert result.job.status == "done"


def test_bulk_onboarding_row_taken_meanwhile_is_reported_and_the_rest_created(operator):
    """Validated at upload, but another operator created the same short name before the worker
    reached the row: that row says why, the others are created."""
    from tenants.bulk import bulk_job_run
    from tenants.models import BulkOnboardingRow
    from tenants.services import unit_onboard

    data = units_xlsx([["区体育局", "tyj", "", "局", "", ""], ["区二中", "yz2", "", "学校", "", ""]])
    job = units_bulk_onboard(filename="units.xlsx", data=data, actor=operator).job
    unit_onboard(name="别的体育局", slug="tyj", actor=operator, send_invite=False)
    bulk_job_run(job.pk)
    rows = {r.slug: r for r in BulkOnboardingRow.objects.filter(job=job)}
    assert rows["tyj"].unit is None and "tyj" in rows["tyj"].error
    assert rows["yz2"].unit.slug == "yz2"
    assert Unit.objects.get(slug="tyj").name == "别的体育局"


@pytest.mark.parametrize("name,data,needle", [
    ("units.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "加密"),
    ("units.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
    ("units.csv", "单位名称,简称,类型\n甲,abc,局\n".encode("utf-16"), "编码"),
    ("units.pdf", b"%PDF-1.4", ".xlsx"),
])
def test_bulk_onboarding_bad_files_get_clear_messages(operator, name, data, needle):
    result = units_bulk_onboard(filename=name, data=data, actor=operator)
    assert result.errors and needle in result.errors[0].message


def test_bulk_onboarding_page_reports_rows(operator, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = units_xlsx([["区体育局", "Bad Slug!", "", "局", "", ""]])
    r = client_for(operator, DISTRICT_HOST).post(
        "/units/import/", {"file": SimpleUploadedFile("u.xlsx", data)})
    assert r.status_code == 200
    assert "简称须为" in r.content.decode()


def test_bulk_onboarding_pages_show_progress_and_offer_to_continue(operator, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(operator, DISTRICT_HOST)
    data = units_xlsx([["区体育局", "tyj", "", "局", "", ""], ["区二中", "yz2", "", "学校", "", ""]])
    r = c.post("/units/import/", {"file": SimpleUploadedFile("u.xlsx", data)})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "区体育局" in page and "区二中" in page
    assert 'data-status="queued"' in page
    # No worker holds the job (none runs in this test): the operator may send it again.
    assert "/resume/" in page
    r = c.post(r["Location"] + "resume/")
    assert r.status_code == 302
    assert "u.xlsx" in c.get("/units/import/").content.decode()


def test_suspended_unit_reads_but_refuses_changes(alpha, make_user, client_for, operator):
    from tenants.services import unit_status_set

    admin = make_user(alpha, ["platform.unit_admin"])
    unit_status_set(unit=alpha, status="suspended", actor=operator)
    c = client_for(admin)
    r = c.get("/")
    assert r.status_code == 200 and "暂停" in r.content.decode()
    r = c.post("/modules/assets/rules/", {"idle_after_days": 200})
    assert r.status_code == 403 and "暂停" in r.content.decode()
    unit_status_set(unit=alpha, status="archived", actor=operator)
    assert c.get("/").status_code == 403


def test_invitation_accept_validates_password(alpha, operator):
    from tenants.services import invitation_create

    _inv, url = invitation_create(unit=alpha, email="new@alpha.cn", role_keys=["assets.custodian"], actor=operator,
                                  send=False)
    token = url.split("/invite/")[1].strip("/")
    with pytest.raises(ValidationError):
        invitation_accept(token=token, name="新人", password="12345678")
    user = invitation_accept(token=token, name="新人", password="Good-Pass-2026")
    with schema_context("u_alpha"):
        assert user.role_keys == frozenset({"assets.custodian"})


def test_an_invitation_into_an_archived_unit_is_refused_with_a_clear_message(alpha, operator, client_for):
    from tenants.models import Invitation
    from tenants.services import invitation_create, unit_status_set

    inv, url = invitation_create(unit=alpha, email="late@alpha.cn", role_keys=["assets.custodian"], actor=operator,
                                 send=False)
    token = url.split("/invite/")[1].strip("/")
    unit_status_set(unit=alpha, status="archived", actor=operator)
    r = client_for(None, DISTRICT_HOST).post(f"/invite/{token}/", {"name": "迟到者", "password1": "Good-Pass-2026",
                                                                   "password2": "Good-Pass-2026"})
    assert r.status_code == 200 and "已归档" in r.content.decode()
    with pytest.raises(ValidationError) as exc:
        invitation_accept(token=token, name="迟到者", password="Good-Pass-2026")
    assert exc.value.code == "unit_archived"
    inv.refresh_from_db()
    assert inv.accepted_at is None
    assert not alpha.user_set.filter(email="late@alpha.cn").exists()
    # and the district cannot send a new one into the archived unit
    r = client_for(operator, DISTRICT_HOST).post(f"/units/{alpha.pk}/invite/", {
        "email": "later@alpha.cn", "role_keys": ["assets.custodian"]})
    assert r.status_code == 302
    assert not Invitation.objects.filter(email="later@alpha.cn").exists()
