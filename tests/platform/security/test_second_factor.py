"""The second factor for administrators and operators (GB/T 22239-2019 8.1.4.1 d): who needs
it, enrolment, codes, resets."""
from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST, PASSWORD
from tests.support.security import events, login
from tests.support.two_factor import confirmed_device, current_code

# ---------------------------------------------------------------- second factor


@pytest.mark.parametrize("roles,district_roles,host", [
    (["platform.unit_admin"], [], ALPHA_HOST),  # grants roles
    (["platform.system_admin"], [], ALPHA_HOST),
    (["platform.security_admin"], [], ALPHA_HOST),
    (["platform.audit_admin"], [], ALPHA_HOST),
    ([], ["district.operator"], DISTRICT_HOST),
    ([], ["district.system_admin"], DISTRICT_HOST),
    ([], ["district.security_admin"], DISTRICT_HOST),
    ([], ["district.audit_admin"], DISTRICT_HOST),
])
def test_administrators_and_operators_must_pass_a_second_factor(alpha, make_user, roles, district_roles, host):
    user = make_user(alpha if roles else None, roles, district_roles=district_roles)
    c, r = login(host, user.email)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/")
    # password alone opens nothing else
    for path in ("/", "/accounts/profile/", "/security/lockouts/"):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/"), path


def test_every_role_that_grants_roles_or_changes_security_settings_needs_the_second_factor():
    from zhengtong.accounts.services import ROLE_GRANTORS
    from zhengtong.registry.registry import DISTRICT_OPERATOR, DISTRICT_SECURITY_ADMIN, SECURITY_ADMIN
    from zhengtong.security.selectors import TWO_FACTOR_ROLES

    # role grantors in a unit; the district operator invites with roles; the security admins
    # change the policy, lockouts and second factors
    assert {*ROLE_GRANTORS, DISTRICT_OPERATOR, SECURITY_ADMIN, DISTRICT_SECURITY_ADMIN} <= set(TWO_FACTOR_ROLES)


def test_enrolment_with_a_qr_code_then_sign_in_with_codes_and_replay_refused(alpha, make_user):
    admin = make_user(alpha, ["platform.audit_admin"])
    c, r = login(ALPHA_HOST, admin.email)
    r = c.get(r["Location"])  # no device yet → enrolment
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/setup/")
    page = c.get(r["Location"])
    body = page.content.decode()
    assert "<svg" in body and "otpauth" not in body  # the QR code is drawn inline, the secret shown once
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    assert c.post("/accounts/2fa/setup/", {"token": wrong, "next": "/"}).status_code == 200
    time.sleep(1.1)  # django-otp throttles: after n wrong codes the next is checked only 2^(n-1) s later
    code = current_code(device)
    r = c.post("/accounts/2fa/setup/", {"token": code, "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert c.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert events(alpha.schema_name, "auth.2fa_enrol", actor_id=admin.pk)

    # a second sign-in, elsewhere: the same code seen once must not open a second session
    c2, r = login(ALPHA_HOST, admin.email)
    assert r["Location"].startswith("/accounts/2fa/")
    r = c2.post("/accounts/2fa/", {"token": code, "next": "/"})
    assert r.status_code == 200 and "已使用" in r.content.decode()
    assert c2.get("/").status_code == 302
    assert events(alpha.schema_name, "auth.2fa_failed", actor_id=admin.pk)
    # the next time step's code works (what the app shows 30 seconds later)
    time.sleep(1.1)  # throttled after the refused replay
    next_code = current_code(device, at=time.time() + device.step)
    r = c2.post("/accounts/2fa/", {"token": next_code, "next": "/m/assets/"})
    assert r.status_code == 302 and r["Location"] == "/m/assets/"
    assert c2.get("/").status_code == 200


def test_verifying_the_second_factor_issues_a_new_session_id(alpha, make_user):
    admin = make_user(alpha, ["platform.system_admin"])
    device = confirmed_device(admin)
    c, _ = login(ALPHA_HOST, admin.email)
    before = c.cookies["zt_session"].value
    r = c.post("/accounts/2fa/", {"token": current_code(device), "next": "/"})
    assert r.status_code == 302
    assert c.cookies["zt_session"].value != before


def test_wrong_codes_slow_down_and_the_page_says_how_long(alpha, make_user):
    admin = make_user(alpha, ["platform.security_admin"])
    device = confirmed_device(admin)
    c, _ = login(ALPHA_HOST, admin.email)
    wrong = f"{(int(current_code(device)) + 500000) % 1000000:06d}"
    for pause in (1.1, 2.1, 0):  # django-otp: 1 s after the first wrong code, 2 s after the second
        r = c.post("/accounts/2fa/", {"token": wrong, "next": "/"})
        time.sleep(pause)
    assert "错误次数过多" in r.content.decode()
    assert len(events(alpha.schema_name, "auth.2fa_failed", actor_id=admin.pk)) == 3


def test_an_admin_of_another_unit_needs_the_second_factor_everywhere(alpha, beta, make_user):
    from zhengtong.accounts.services import member_roles_set

    person = make_user(alpha, ["platform.audit_admin"])
    member_roles_set(unit=beta, user=person, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
    # the session cookie is valid on every unit's host, so the role in alpha counts on beta too
    _, r = login(BETA_HOST, person.email)
    assert r["Location"].startswith("/accounts/2fa/")


def test_staff_need_no_second_factor_only_when_they_hold_no_such_role(alpha, make_user):
    staff = make_user(alpha, ["assets.asset_officer"])
    c, r = login(ALPHA_HOST, staff.email)
    assert r.status_code == 302 and r["Location"] == "/"
    assert c.get("/m/assets/").status_code == 200


def test_the_django_admin_sign_in_cannot_skip_the_second_factor(operator):
    from tenant_users.permissions.models import UserTenantPermissions

    with schema_context("public"):
        UserTenantPermissions.objects.filter(profile=operator).update(is_staff=True)
    c = Client(HTTP_HOST=DISTRICT_HOST)
    r = c.post("/admin/login/?next=/admin/", {"username": operator.email, "password": PASSWORD,
                                               "next": "/admin/"})
    assert r.status_code == 302
    r = c.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/")


def test_district_security_admin_resets_a_lost_second_factor(alpha, make_user, client_for):
    admin = make_user(alpha, ["platform.system_admin"])
    confirmed_device(admin)
    sec = make_user(district_roles=["district.security_admin"])
    r = client_for(sec, DISTRICT_HOST).post("/security/two-factor/reset/", {"email": admin.email})
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    c, r = login(ALPHA_HOST, admin.email)
    assert c.get(r["Location"])["Location"].startswith("/accounts/2fa/setup/")  # enrols again
    assert events("public", "auth.2fa_reset", actor_id=sec.pk)
    # nobody resets their own
    from zhengtong.security.services import two_factor_reset

    with pytest.raises(PermissionDenied):
        two_factor_reset(actor=sec, user=sec)
