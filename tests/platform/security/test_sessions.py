"""Sessions (GB/T 22239-2019 8.1.4.1 b): new ids at sign-in, idle and absolute limits,
deactivation; dormant accounts disabled."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST
from tests.support.security import events, login
from zhengtong.accounts.models import User
from zhengtong.security.middleware import LOGIN_AT, SEEN_AT

# ---------------------------------------------------------------- sessions


def test_signing_in_issues_a_new_session_id(alpha, make_user):
    user = make_user(alpha, [])
    c = Client(HTTP_HOST=ALPHA_HOST)
    session = c.session
    session["before_login"] = 1
    session.save()
    before = c.cookies["zt_session"].value
    _, r = login(ALPHA_HOST, user.email, client=c)
    assert r.status_code == 302
    after = c.cookies["zt_session"].value
    assert after and after != before
    cookie = c.cookies["zt_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def _age_session(client, **offsets):
    session = client.session
    now = int(time.time())
    for key, seconds in offsets.items():
        session[key] = now - seconds
    session.save()


def test_idle_timeout_ends_the_session(alpha, make_user, client_for):
    user = make_user(alpha, ["assets.custodian"])
    c = client_for(user)
    assert c.get("/m/assets/").status_code == 200
    _age_session(c, **{SEEN_AT: 29 * 60})
    assert c.get("/m/assets/").status_code == 200  # 29 minutes idle: still signed in
    _age_session(c, **{SEEN_AT: 31 * 60})
    r = c.get("/m/assets/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert "没有操作" in c.get(r["Location"]).content.decode()  # the sign-in page says why
    assert c.get("/").status_code == 302
    [ended] = events(alpha.schema_name, "auth.session_end", actor_id=user.pk)
    assert ended.detail == "idle"


def test_absolute_session_lifetime(alpha, make_user, client_for):
    user = make_user(alpha, [])
    c = client_for(user)
    _age_session(c, **{LOGIN_AT: 8 * 3600 + 5, SEEN_AT: 10})  # busy all day, but 8 h are over
    r = c.get("/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert events(alpha.schema_name, "auth.session_end", detail="lifetime")


def test_sessions_of_a_deactivated_user_end_at_once(alpha, make_user, client_for):
    from zhengtong.security.services import user_deactivate

    user = make_user(alpha, ["assets.custodian"])
    c = client_for(user)
    assert c.get("/m/assets/").status_code == 200
    district_sys = make_user(district_roles=["district.system_admin"])
    user_deactivate(actor=district_sys, user=user, reason="left the unit")
    r = c.get("/m/assets/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert r.wsgi_request.user.is_anonymous
    assert events("public", "user.deactivate", actor_id=district_sys.pk)
    # only the system side may switch accounts off, and never their own
    other = make_user(alpha, [])
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=make_user(alpha, ["platform.security_admin"]), user=other)


# ---------------------------------------------------------------- dormant accounts


def test_accounts_unused_past_the_policy_are_disabled(alpha, make_user, client_for):
    from zhengtong.security.services import dormant_accounts_disable

    now = timezone.now()
    dormant = make_user(alpha, ["assets.custodian"])
    recent = make_user(alpha, ["assets.custodian"])
    never = make_user(alpha, [])
    with schema_context("public"):
        User.objects.filter(pk=dormant.pk).update(last_login=now - timedelta(days=91))
        User.objects.filter(pk=recent.pk).update(last_login=now - timedelta(days=10))
        User.objects.filter(pk=never.pk).update(last_login=None, date_joined=now - timedelta(days=120))
    c = client_for(dormant)  # (signing in sets last_login: age it again)
    with schema_context("public"):
        User.objects.filter(pk=dormant.pk).update(last_login=now - timedelta(days=91))
    disabled = dormant_accounts_disable(now=now)
    assert dormant.email in disabled and never.email in disabled and recent.email not in disabled
    from tenants.services import SYSTEM_EMAIL

    assert SYSTEM_EMAIL not in disabled
    assert dormant_accounts_disable(now=now) == []  # idempotent
    assert c.get("/").status_code == 302  # their session is over too
    [event] = events("public", "user.disable_dormant", object_id=str(dormant.pk))
    assert event.after == {"is_active": False}


def test_dormant_job_is_a_periodic_celery_task(settings):
    from zhengtong.celery import app
    from zhengtong.security import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["security.disable_dormant_accounts"]
    assert entry["task"] == tasks.disable_dormant_accounts.name == "security.disable_dormant_accounts"
    assert entry["task"] in app.tasks
