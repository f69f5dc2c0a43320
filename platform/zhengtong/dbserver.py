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


# The embedded server's settings for one server holding many unit schemas (docs/scaling.md
# gives the same for an external PostgreSQL, and the measurements behind them):
EMBEDDED_SETTINGS = {
    # The lock table is shared: max_locks_per_transaction x max_connections slots. Creating or
    # cloning one unit schema holds ~1,800 locks in its transaction, a unit's migration or
    # backup ~540, and migrate_platform's fingerprint read ~2,600 (200 schemas per statement).
    # PostgreSQL's 64 x 100 ran out at the 19th unit of one bulk transaction; 256 x 200 leaves
    # room for several of these at once (~25 MB of shared memory).
    "max_locks_per_transaction": "256",
    # Web workers, Celery workers and the migration processes each hold one connection.
    "max_connections": "200",
    # Each unit adds ~540 relations; the catalog pages every request touches stay cached.
    "shared_buffers": "256MB",
    # A checkpoint fsyncs every file written since the last one, and 100 units are ~60,000
    # files: checkpoints further apart during onboarding bursts, not every 5 minutes.
    "checkpoint_timeout": "15min",
    "max_wal_size": "2GB",
}


def embedded_url() -> str:
    import pgserver  # imported lazily: not needed when DATABASE_URL is set

    data = embedded_data_dir()
    data.mkdir(parents=True, exist_ok=True)
    fresh = not (data / "PG_VERSION").exists()
    server = pgserver.get_server(data, cleanup_mode=None)
    _tune(server, fresh=fresh)
    return server.get_uri()


def _tune(server, *, fresh: bool) -> None:
    """Give the embedded server EMBEDDED_SETTINGS. They need a restart, which is done only
    when nobody else is connected (a new data folder, or a server no process is using):
    restarting under a running web server would cut its connections. Otherwise the settings
    wait in postgresql.auto.conf for the server's next start."""
    import psycopg
    from pgserver._commands import pg_ctl

    with server._lock:  # pgserver's inter-process lock: one process tunes and restarts
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT name, setting, unit, pending_restart FROM pg_settings WHERE name = ANY(%s)",
                [list(EMBEDDED_SETTINGS)],
            ).fetchall()
            current = {name: _normalise(setting, unit) for name, setting, unit, _ in rows}
            pending = {name for name, _, _, pending_restart in rows if pending_restart}
            differ = [n for n, want in EMBEDDED_SETTINGS.items() if current.get(n) != _normalise(want, None)]
            for name in differ:
                if name not in pending:
                    conn.execute(f"ALTER SYSTEM SET {name} = '{EMBEDDED_SETTINGS[name]}'")
            others = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        if differ and (fresh or others == 0):
            # -l: keep logging to the file pgserver started the server with (restart forgets it).
            pg_ctl(["-w", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user,
                   timeout=60)
            server._postmaster_info = None  # the restarted postmaster has a new pid: read it again
            server.ensure_postgres_running()


def _normalise(value: str, unit: str | None) -> str:
    """pg_settings gives shared_buffers as a count of 8kB pages and checkpoint_timeout in
    seconds; compare everything in those base units."""
    value = str(value)
    if unit == "8kB":
        return str(int(value) * 8 * 1024)
    if unit == "s":
        return str(int(value))
    if unit == "MB":
        return str(int(value) * 1024 * 1024)
    factors = {"kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "min": 60, "s": 1}
    for suffix, factor in factors.items():
        if value.endswith(suffix) and value[: -len(suffix)].isdigit():
            number = int(value[: -len(suffix)]) * factor
            return str(number if suffix not in ("min", "s") else number)
    return value


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
