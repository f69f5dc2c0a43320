"""Shared set-up for benchmarks: a fresh database of its own on the configured server
(DATABASE_URL, or the embedded PostgreSQL), migrated, with Django ready."""
from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]


def fresh_database(name: str) -> None:
    """Point DATABASE_URL at a new, empty database ``name`` and set Django up on it."""
    from urllib.parse import urlparse, urlunparse

    import psycopg

    from zhengtong.dbserver import database_url

    base = database_url()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parsed = urlparse(base)
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengtong.settings.dev")
    os.environ.setdefault("ZT_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_platform", verbosity=0)


def existing_database(name: str) -> None:
    """Point DATABASE_URL at database ``name`` as it is (e.g. one a long run kept) and set Django up."""
    from urllib.parse import urlparse, urlunparse

    from zhengtong.dbserver import database_url

    os.environ["DATABASE_URL"] = urlunparse(urlparse(database_url())._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengtong.settings.dev")
    os.environ.setdefault("ZT_LOG_LEVEL", "ERROR")
    import django

    django.setup()


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    from urllib.parse import urlparse, urlunparse

    url = os.environ["DATABASE_URL"]
    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(fn, repeat: int) -> list[float]:
    out = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
