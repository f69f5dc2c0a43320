"""Browser tests: a real web server (gunicorn) on the test database and Debian's Chromium
driven by Playwright. Nothing is downloaded: Playwright gets /usr/bin/chromium.

The test hosts (zt.test, <unit>.zt.test) are mapped to 127.0.0.1 inside Chromium with
--host-resolver-rules, so the real subdomain routing is exercised. The server only sees
committed data: browser tests commit what they need (the test database is dropped at the
end of the session) and use unique names.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .worker import platform_env, spawn, stop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(extra_env: dict | None = None):
    """Yield the port of a gunicorn serving the test database."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc, log = spawn([str(gunicorn), "zhengtong.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                       "--timeout", "120"],
                      env=platform_env(ZT_URL_PORT=str(port), **(extra_env or {})), log_prefix="zt-web-")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "zt.test"})
                if urllib.request.urlopen(req, timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("web server did not start:\n" + log.read_text(errors="replace")[-4000:])
            time.sleep(0.3)
        yield port
    finally:
        stop(proc)


@contextmanager
def chromium():
    if not Path(CHROMIUM).exists():
        # deploy/test.sh (the README's test command, ZT_WITH_BROWSER=1) installs chromium: there
        # the journeys must run, so a missing browser fails instead of skipping them silently.
        if os.environ.get("ZT_WITH_BROWSER") == "1":
            pytest.fail("Debian's chromium is missing although deploy/test.sh installs it")
        pytest.skip("Debian's chromium is not installed (deploy/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--host-resolver-rules=MAP zt.test 127.0.0.1, MAP *.zt.test 127.0.0.1"],
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base: str, user, *, device=None, password: str | None = None, lands_on: str = "/"):
    """Sign ``user`` in on the login page of ``base`` as a person does, and wait for ``lands_on``.

    ``device``: the person's TOTP device when the site must ask for the second factor (the test
    then fails if it does not ask). Without it, an administrator who is asked anyway answers with
    their own device (``user.totp_device``, tests/support/two_factor.py)."""
    from tests.conftest import PASSWORD
    from tests.support.two_factor import current_code

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("button.primary")
    if device is not None:
        page.wait_for_url(re.compile(r".*/accounts/2fa/.*"))
    else:
        page.wait_for_load_state()
        device = getattr(user, "totp_device", None) if "/accounts/2fa/" in page.url else None
    if device is not None:
        page.fill("input[name=token]", current_code(device))
        page.click("button.primary")
    page.wait_for_url(f"{base}{lands_on}")
    return page


def signed_in_page(browser, base: str, user, **context):
    """A new browser context (downloads accepted; ``context``: viewport and the like) with a page
    on which ``user`` has signed in."""
    page = browser.new_context(accept_downloads=True, **context).new_page()
    return sign_in(page, base, user)
