"""platform/ is a source root, never a package: the standard library's platform module
must stay importable for Django, Celery and the tests."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **kw):
    env = {**os.environ, **kw.pop("env", {})}
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, **kw)


def test_no_platform_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    for folder in ("platform", "tenants", "modules", "deploy", "tests"):
        assert (ROOT / folder).is_dir(), folder
    for f in ("manage.py", "requirements.txt", "README.md"):
        assert (ROOT / f).is_file(), f


def test_stdlib_platform_from_repo_root():
    r = run(sys.executable, "-c", "import platform; print(platform.system())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Linux"


def test_manage_check_passes():
    r = run(sys.executable, "manage.py", "check", env={"DJANGO_SETTINGS_MODULE": "zhengtong.settings.test"})
    assert r.returncode == 0, r.stderr
    assert "no issues" in r.stdout


def test_celery_report_works():
    celery = Path(sys.executable).with_name("celery")
    r = run(str(celery), "-A", "zhengtong", "report",
            env={"PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}", "DJANGO_SETTINGS_MODULE": "zhengtong.settings.test"})
    assert r.returncode == 0, r.stderr
    assert "software -> celery" in r.stdout
