from django.test import Client
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST, PASSWORD
from zhengtong.audit.models import AuditEvent


def test_password_change_is_validated_and_audited(alpha, make_user, client_for):
    user = make_user(alpha, ["assets.custodian"])
    c = client_for(user, ALPHA_HOST)
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "abcdefgh",
                                       "new_password2": "abcdefgh"})
    assert r.status_code == 200 and "has-error" in r.content.decode()
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "New-Secret-2026",
                                       "new_password2": "New-Secret-2026"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-Secret-2026") and user.password_changed_at is not None
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="auth.password_change", actor_id=user.pk).exists()


def test_profile_edit(alpha, make_user, client_for):
    user = make_user(alpha, [])
    r = client_for(user).post("/accounts/profile/", {"name": "新名字", "phone": "13800000000"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.name == "新名字"


def test_login_and_failed_login_are_audited_in_the_units_trail(alpha, make_user):
    user = make_user(alpha, ["assets.custodian"])
    c = Client(HTTP_HOST=ALPHA_HOST)
    c.post("/accounts/login/", {"username": user.email, "password": "wrong-password"})
    c.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    with schema_context(alpha.schema_name):
        actions = list(AuditEvent.objects.filter(object_repr__contains=user.email)
                       .order_by("id").values_list("action", "result"))
    assert ("auth.login_failed", "failure") in actions and ("auth.login", "success") in actions


def test_django_admin_is_for_platform_operators_only(alpha, make_user, operator):
    from tenant_users.permissions.models import UserTenantPermissions

    unit_admin = make_user(alpha, ["platform.unit_admin"])
    from tests.support.two_factor import verified_session

    c = Client(HTTP_HOST=DISTRICT_HOST)
    c.force_login(unit_admin)
    verified_session(c, unit_admin)
    r = c.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/admin/login/")  # not staff
    with schema_context("public"):
        UserTenantPermissions.objects.filter(profile=operator).update(is_staff=True)
    c.force_login(operator)
    verified_session(c, operator)  # operators sign in with a second factor (security/test_second_factor.py)
    assert c.get("/admin/").status_code == 200
    # there is no admin on a unit's host
    c2 = Client(HTTP_HOST=ALPHA_HOST)
    c2.force_login(unit_admin)
    verified_session(c2, unit_admin)  # unit administrators grant roles: second factor too
    assert c2.get("/admin/").status_code == 404


def test_client_ip_trusts_forwarded_for_only_from_the_deployments_proxy(settings, rf):
    from zhengtong.audit.context import client_ip

    req = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(req) == "203.0.113.9"  # no proxy configured: the header is the client's words
    settings.ZT_TRUSTED_PROXIES = ("127.0.0.1",)
    req = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(req) == "198.51.100.7"  # the hop nginx appended, not the forged first entry
