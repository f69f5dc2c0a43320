"""Lockout per account across hosts (GB/T 22239-2019 8.1.4.1 b): counting, cool-off, unlocking
by the security administrators."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST, PASSWORD
from tests.support.security import events, login
from zhengtong.security.models import SecurityPolicy

# ---------------------------------------------------------------- lockout


def _failures(email: str) -> int:
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.filter(username=email.lower()).first()
    return attempt.failures_since_start if attempt else 0


def test_failures_on_every_host_add_up_to_one_lockout_of_the_account_and_are_audited(alpha, beta, make_user):
    user = make_user(alpha, ["assets.custodian"])
    from zhengtong.accounts.services import member_roles_set

    member_roles_set(unit=beta, user=user, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
    # a guesser spreads the tries over every login page there is: they add up
    statuses = [login(host, user.email, "Wrong-Passw0rd")[1].status_code
                for host in (ALPHA_HOST, BETA_HOST, DISTRICT_HOST, ALPHA_HOST, BETA_HOST)]
    assert statuses == [200, 200, 200, 200, 429]
    # locked everywhere: even the right password is refused on every host
    for host in (ALPHA_HOST, BETA_HOST, DISTRICT_HOST):
        _, r = login(host, user.email)
        assert r.status_code == 429 and "_auth_user_id" not in r.wsgi_request.session, host
        assert "锁定" in r.content.decode()
    # each failure is in the trail of the host where it was made
    assert len(events(alpha.schema_name, "auth.login_failed", object_repr=user.email)) >= 2
    assert len(events(beta.schema_name, "auth.login_failed", object_repr=user.email)) >= 2
    assert len(events("public", "auth.login_failed", object_repr=user.email)) >= 1
    assert events(beta.schema_name, "auth.lockout", object_repr=user.email)


def test_a_non_members_sign_in_tells_nothing_about_the_password(alpha, beta, make_user):
    """On a unit's host where the person is no member, the right password and a wrong one get
    the same page and count the same towards the lockout."""
    outsider = make_user(beta, ["assets.custodian"])
    _, wrong = login(ALPHA_HOST, outsider.email, "Wrong-Passw0rd")
    assert _failures(outsider.email) == 1
    _, right = login(ALPHA_HOST, outsider.email)
    assert _failures(outsider.email) == 2  # the right password counted like the wrong one
    assert wrong.status_code == right.status_code == 200
    assert "_auth_user_id" not in right.wsgi_request.session
    assert wrong.context["form"].errors == right.context["form"].errors
    # three more, right or wrong: locked the same way
    statuses = [login(ALPHA_HOST, outsider.email, pw)[1].status_code for pw in (PASSWORD, "Wrong-Passw0rd", PASSWORD)]
    assert statuses == [200, 200, 429]
    assert login(BETA_HOST, outsider.email)[1].status_code == 429  # the account, not the host
    assert len(events(alpha.schema_name, "auth.login_failed", object_repr=outsider.email)) == 5


def test_the_lockout_cools_off_after_the_policys_minutes(alpha, make_user):
    import time_machine

    user = make_user(alpha, ["assets.custodian"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            login(ALPHA_HOST, user.email, "Wrong-Passw0rd")
        assert login(ALPHA_HOST, user.email)[1].status_code == 429
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        # still locked, as the security admin's page shows (30 minutes by default; a try made
        # now would refuse too and start the cool-off again)
        from zhengtong.security.selectors import locked_out_attempts

        assert [a.username for a in locked_out_attempts(unit=alpha)] == [user.email]
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert login(ALPHA_HOST, user.email)[1].status_code == 302
    with schema_context("public"):
        SecurityPolicy.objects.update_or_create(pk=1, defaults={"lockout_minutes": 0})
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        for _ in range(5):
            login(ALPHA_HOST, user.email, "Wrong-Passw0rd")
    with time_machine.travel(start + timedelta(days=30), tick=False):
        # 0 minutes: locked until a security administrator lifts it
        assert login(ALPHA_HOST, user.email)[1].status_code == 429


def test_security_admin_unlocks_on_the_lockouts_page_and_it_is_audited(alpha, beta, make_user, client_for):
    user = make_user(alpha, ["assets.custodian"])
    sec_a = make_user(alpha, ["platform.security_admin"])
    sec_b = make_user(beta, ["platform.security_admin"])
    sys_a = make_user(alpha, ["platform.system_admin"])
    for _ in range(5):
        login(ALPHA_HOST, user.email, "Wrong-Passw0rd")
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=user.email)
    # beta's security admin sees nothing of alpha's member and cannot lift it
    page_b = client_for(sec_b, BETA_HOST).get("/security/lockouts/").content.decode()
    assert user.email not in page_b
    assert client_for(sec_b, BETA_HOST).post(f"/security/lockouts/{attempt.pk}/unlock/").status_code == 404
    # the system admin may not
    assert client_for(sys_a).post(f"/security/lockouts/{attempt.pk}/unlock/").status_code == 403
    c = client_for(sec_a)
    assert user.email in c.get("/security/lockouts/").content.decode()
    assert c.post(f"/security/lockouts/{attempt.pk}/unlock/").status_code == 302
    _, r = login(ALPHA_HOST, user.email)
    assert r.status_code == 302
    [unlock] = events(alpha.schema_name, "auth.unlock")
    assert unlock.actor_id == sec_a.pk and unlock.object_repr == user.email


def test_nobody_unlocks_their_own_account(alpha, make_user):
    from zhengtong.security.services import lockout_unlock

    sec = make_user(alpha, ["platform.security_admin"])
    for _ in range(5):
        login(ALPHA_HOST, sec.email, "Wrong-Passw0rd")
    with pytest.raises(PermissionDenied):
        lockout_unlock(actor=sec, unit=alpha, attempt_key=sec.email)
    [refused] = events(alpha.schema_name, "auth.unlock", result="denied")
    assert refused.detail == "unlock of own account refused"


def test_district_security_admin_sees_and_lifts_lockouts_of_every_unit(alpha, make_user, client_for):
    user = make_user(alpha, ["assets.custodian"])
    for _ in range(5):
        login(ALPHA_HOST, user.email, "Wrong-Passw0rd")
    sec = make_user(district_roles=["district.security_admin"])
    c = client_for(sec, DISTRICT_HOST)
    page = c.get("/security/lockouts/").content.decode()
    assert user.email in page
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=user.email)
    assert c.post(f"/security/lockouts/{attempt.pk}/unlock/").status_code == 302
    assert login(ALPHA_HOST, user.email)[1].status_code == 302
    assert events("public", "auth.unlock")
