"""Where the database is.

With ``DATABASE_URL`` set we use that server. Without it the project starts its own
PostgreSQL from the ``pgserver`` package (bundled PostgreSQL 16, ~1 s first start) in a
data folder, so a fresh machine needs no database install. ``cleanup_mode=None`` keeps
the server running after this process exits: the web server, the Celery worker and
management commands all attach to the same one.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

REPO_ROOT = Path(__file__).resolve().parents[2]


def embedded_data_dir() -> Path:
    return Path(os.environ.get("ZT_PGDATA", REPO_ROOT / "var" / "pgdata"))


def embedded_url() -> str:
    import pgserver  # imported lazily: not needed when DATABASE_URL is set

    data = embedded_data_dir()
    data.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data, cleanup_mode=None)
    return server.get_uri()


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or embedded_url()


def django_database(url: str) -> dict:
    """Turn a postgres URL (TCP or unix socket via ``?host=/dir``) into Django settings."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"Only PostgreSQL is supported, got {parsed.scheme!r}")
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        # Session-level state (search_path) is per connection; keep connections short
        # enough that a broken one is not reused forever, long enough to save set-up.
        "CONN_MAX_AGE": int(os.environ.get("ZT_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": os.environ.get("ZT_TEST_DB_NAME", "test_zhengtong")},
    }
