"""Security headers and production settings: check --deploy, no default secret or demo
accounts, DEBUG off, the service account."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from tests.support.security import login
from zhengtong.accounts.models import User

ROOT = Path(__file__).resolve().parents[3]

# ---------------------------------------------------------------- headers and production settings


def test_security_headers_on_every_page(alpha, make_user, client_for):
    user = make_user(alpha, [])
    for client, path in ((Client(HTTP_HOST=ALPHA_HOST), "/accounts/login/"), (client_for(user), "/"),
                         (Client(HTTP_HOST=DISTRICT_HOST), "/accounts/login/")):
        r = client.get(path)
        assert r.status_code == 200
        csp = r["Content-Security-Policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert "form-action 'self' zt.test:* *.zt.test:*" in csp  # the district's own hosts only
        assert r["X-Frame-Options"] == "DENY"
        assert r["Referrer-Policy"] == "same-origin"
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
def test_hsts_on_https(db):
    r = Client(HTTP_HOST=ALPHA_HOST).get("/accounts/login/", secure=True)
    assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def _prod_env(**extra) -> dict:
    from tests.support.worker import test_database_url

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhengtong.settings.prod",
           "ZT_SECRET_KEY": secrets.token_urlsafe(64), "DATABASE_URL": test_database_url(),
           "ZT_BASE_DOMAIN": "zt.example.gov.cn", "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings(db):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=_prod_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_have_no_default_secret_and_no_demo_accounts(db):
    code = ("from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS, s.ZT_DEMO_ALLOWED)")
    script = f"import django; django.setup(); {code}"
    ok = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_prod_env(), capture_output=True,
                        text=True, timeout=60)
    assert ok.stdout.split() == ["False", "True", "True", "True", "31536000", "False"], ok.stderr
    no_key = _prod_env()
    no_key.pop("ZT_SECRET_KEY")
    refused = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=no_key, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode != 0 and "ZT_SECRET_KEY" in refused.stderr


def _run_sh_debug(**extra) -> bool:
    """DEBUG as the README's run command (deploy/run.sh) starts the web server."""
    import re

    from tests.support.worker import test_database_url

    module = re.search(r"DJANGO_SETTINGS_MODULE:-([\w.]+)", (ROOT / "deploy" / "run.sh").read_text()).group(1)
    env = {k: v for k, v in os.environ.items() if k not in ("ZT_DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update({"DJANGO_SETTINGS_MODULE": module, "DATABASE_URL": test_database_url(),
                "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}", **extra})
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                          "print(settings.DEBUG)"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()[-1] == "True"


def test_the_run_command_serves_with_debug_off_unless_a_developer_asks(alpha):
    debug = _run_sh_debug()
    assert debug is False
    assert _run_sh_debug(ZT_DEBUG="1") is True  # the developer's flag
    # What an anonymous caller gets for a page that does not exist, with the run command's DEBUG:
    # Django's own 404, not the technical page that lists every URL pattern.
    with override_settings(DEBUG=debug):
        r = Client(HTTP_HOST=ALPHA_HOST).get("/no-such-page/")
    body = r.content.decode()
    assert r.status_code == 404
    assert "URLconf" not in body and "accounts/login/" not in body and "Traceback" not in body


@override_settings(ZT_DEMO_ALLOWED=False)
def test_the_demo_seed_refuses_to_run_in_production(db):
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.filter(email__endswith="@demo.zt").exists()


def test_the_platform_service_account_cannot_sign_in(db):
    from tenants.services import SYSTEM_EMAIL

    system = User.objects.get(email=SYSTEM_EMAIL)
    assert not system.has_usable_password()
    _, r = login(DISTRICT_HOST, SYSTEM_EMAIL, "anything-Passw0rd")
    assert r.status_code == 200 and "_auth_user_id" not in r.wsgi_request.session
