"""Browser tests: a real web server (gunicorn) on the test database and Debian's Chromium
driven by Playwright. Nothing is downloaded: Playwright gets /usr/bin/chromium.

The test hosts (zt.test, <unit>.zt.test) are mapped to 127.0.0.1 inside Chromium with
--host-resolver-rules, so the real subdomain routing is exercised. The server only sees
committed data: browser tests commit what they need (the test database is dropped at the
end of the session) and use unique names.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .worker import ROOT, test_database_url

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(extra_env: dict | None = None):
    """Yield the port of a gunicorn serving the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "zhengtong.settings.test",
        "ZT_URL_PORT": str(port),
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        **(extra_env or {}),
    }
    log = Path(tempfile.mkstemp(prefix="zt-web-", suffix=".log")[1])
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "zhengtong.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "120"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
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
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


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
