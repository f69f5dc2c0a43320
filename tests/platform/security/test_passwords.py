"""Password policy and age (GB/T 22239-2019 8.1.4.1 a): length and classes, the level-3 floor, reuse, expiry."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST, PASSWORD
from tests.support.security import events
from zhengtong.accounts.models import User
from zhengtong.security.models import SecurityPolicy
from zhengtong.security.selectors import security_policy

# ---------------------------------------------------------------- password policy


def errors_for(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


def test_default_password_policy_length_classes_common_list_and_64_characters(db):
    policy = security_policy()
    assert (policy.min_length, policy.min_classes, policy.max_age_days) == (8, 3, 90)
    assert "password_too_short" in errors_for("Ab1!x")
    assert "password_too_simple" in errors_for("abcdefgh12")  # 2 classes: lower + digits
    assert "password_too_common" in errors_for("P@ssw0rd")  # 4 classes, but on the list
    assert errors_for("Zt-Passw0rd") == []
    sixty_four = "Zt9#" + secrets.token_hex(30)
    assert len(sixty_four) == 64 and errors_for(sixty_four) == []


def test_password_change_page_refuses_a_weak_password_in_both_languages_and_takes_64_chars(
        alpha, make_user, client_for):
    user = make_user(alpha, ["assets.custodian"])
    c = client_for(user)
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "abcdefgh12",
                                       "new_password2": "abcdefgh12"})
    assert r.status_code == 200 and "密码须至少包含" in r.content.decode()
    long_password = "Aa1!" * 16
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": long_password,
                                       "new_password2": long_password})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password(long_password)
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)


def test_district_security_admin_tightens_the_policy_and_it_applies_at_once(make_user, client_for):
    sec = make_user(district_roles=["district.security_admin"])
    c = client_for(sec, DISTRICT_HOST)
    assert c.get("/security/policy/").status_code == 200
    values = {"min_length": 12, "min_classes": 4, "max_age_days": 60, "history_count": 3,
              "lockout_threshold": 4, "lockout_minutes": 0, "idle_timeout_minutes": 15,
              "session_lifetime_hours": 6, "dormant_days": 60}
    assert c.post("/security/policy/", values).status_code == 302
    policy = security_policy()
    assert (policy.min_length, policy.min_classes, policy.idle_timeout_minutes) == (12, 4, 15)
    assert "password_too_short" in errors_for("Zt-Passw0rd")  # 11 < 12
    assert "password_too_simple" in errors_for("Zt-Password-x")  # no digit: 3 < 4
    assert errors_for("Zt-Passw0rd-x") == []
    [event] = events("public", "security.policy")
    assert event.actor_id == sec.pk and event.before["min_length"] == 8 and event.after["min_length"] == 12


def test_the_policy_cannot_go_below_the_level_3_floor(make_user, client_for):
    sec = make_user(district_roles=["district.security_admin"])
    c = client_for(sec, DISTRICT_HOST)
    weak = {"min_length": 6, "min_classes": 2, "max_age_days": 90, "history_count": 0, "lockout_threshold": 50,
            "lockout_minutes": 30, "idle_timeout_minutes": 600, "session_lifetime_hours": 8, "dormant_days": 90}
    r = c.post("/security/policy/", weak)
    assert r.status_code == 200 and "has-error" in r.content.decode()
    assert security_policy().min_length == 8
    from zhengtong.security.services import security_policy_update

    with pytest.raises(ValidationError):
        security_policy_update(actor=sec, values={"idle_timeout_minutes": 600})


def test_only_the_district_security_admin_edits_the_policy(alpha, make_user, client_for, operator):
    unit_sec = make_user(alpha, ["platform.security_admin"])
    auditor = make_user(district_roles=["district.audit_admin"])
    member_of_district = make_user(district_roles=["district.finance_bureau"])
    for person in (auditor, operator, member_of_district):
        assert client_for(person, DISTRICT_HOST).get("/security/policy/").status_code == 403
    assert client_for(unit_sec, ALPHA_HOST).get("/security/policy/").status_code == 404  # district page
    from zhengtong.security.services import security_policy_update

    with pytest.raises(PermissionDenied):
        security_policy_update(actor=unit_sec, values={"min_length": 10})
    assert events("public", "security.policy", result="denied")


def test_recent_passwords_cannot_be_reused(alpha, make_user, client_for):
    user = make_user(alpha, [])
    c = client_for(user)
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Second-Pass-01",
                                       "new_password2": "Second-Pass-01"})
    assert r.status_code == 302
    r = c.post("/accounts/password/", {"old_password": "Second-Pass-01", "new_password1": PASSWORD,
                                       "new_password2": PASSWORD})
    assert r.status_code == 200 and "最近" in r.content.decode()
    with schema_context("public"):
        SecurityPolicy.objects.filter(pk=1).update(history_count=0)  # history switched off
    r = c.post("/accounts/password/", {"old_password": "Second-Pass-01", "new_password1": PASSWORD,
                                       "new_password2": PASSWORD})
    assert r.status_code == 302


def test_an_expired_password_forces_the_change_page(alpha, make_user, client_for):
    user = make_user(alpha, ["assets.custodian"])
    with schema_context("public"):
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    c = client_for(user)
    for path in ("/", "/m/assets/", "/accounts/profile/"):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/password/"), path
    page = c.get("/accounts/password/?expired=1").content.decode()
    assert "90" in page
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Fresh-Pass-2026",
                                       "new_password2": "Fresh-Pass-2026"})
    assert r.status_code == 302
    assert c.get("/").status_code == 200
