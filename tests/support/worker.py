"""A real Celery worker process for tests (never eager mode).

The worker runs ``celery -A zhengtong worker`` against the *test* database and a broker of
its own (kombu's filesystem transport under a private folder, or CELERY_BROKER_URL when
given). Only committed data is visible to it, so tests using it commit what the worker
must see and clean it up themselves.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"]
    if host.startswith("/"):
        return f"postgresql://{s['USER']}@/{s['NAME']}?host={host}"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{s['USER']}@{host}{port}/{s['NAME']}"


def platform_env(**extra: str) -> dict[str, str]:
    """The environment of a process the tests start (worker, web server): the test database,
    the test settings, the platform on the path."""
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "zhengtong.settings.test",
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        **extra,
    }


def spawn(argv: list[str], *, env: dict[str, str], log_prefix: str) -> tuple[subprocess.Popen, Path]:
    """Start ``argv`` in its own process group, its output going to a new log file."""
    log = Path(tempfile.mkstemp(prefix=log_prefix, suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return proc, log


def stop(proc: subprocess.Popen) -> None:
    """Stop a process started by ``spawn`` with its children: SIGTERM, then SIGKILL after 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def running_worker(*, concurrency: int = 1, extra_env: dict | None = None, ready_timeout: float = 60):
    """Start a worker, wait until it is ready, yield (process, log path), stop it.

    The worker shares this process's var folder (settings.VAR_DIR, set per run with
    ZT_VAR_DIR), so tasks sent here reach it without reconfiguring Celery.
    """
    var_dir = Path(settings.VAR_DIR)
    queue = Path(settings.CELERY_FS_DIR) / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    for stale in queue.iterdir():  # messages left by an earlier, interrupted run
        stale.unlink()
    env = platform_env(ZT_VAR_DIR=str(var_dir), **(extra_env or {}))
    celery = Path(sys.executable).with_name("celery")
    proc, log = spawn([str(celery), "-A", "zhengtong", "worker", "-l", "info", f"--concurrency={concurrency}",
                       "--without-gossip", "--without-mingle", "--without-heartbeat", "-P", "prefork"],
                      env=env, log_prefix="zt-worker-")
    try:
        deadline = time.monotonic() + ready_timeout
        while b"ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Celery worker did not start:\n" + log.read_text(errors="replace")[-4000:])
            time.sleep(0.2)
        yield proc, log
    finally:
        stop(proc)
