"""The audit trail's table as someone with the owner's rights sees it: raw SQL, the guard
trigger switched off to tamper or to age events (the database clock cannot be turned back)."""
from __future__ import annotations

from django.db import connection

from zhengtong.audit import database


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def raw(sql: str, params=None):
    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return cur.fetchall() if cur.description else None


def tamper(schema: str, sql: str, params=None):
    """What someone with the owner's rights could do: switch the guard off and edit."""
    raw(f"ALTER TABLE {q(schema)}.audit_auditevent DISABLE TRIGGER zt_audit_guard")
    raw(sql, params)
    raw(f"ALTER TABLE {q(schema)}.audit_auditevent ENABLE TRIGGER zt_audit_guard")


def age_events(schema: str, through_id: int, days: int) -> None:
    """Make the events up to ``through_id`` look ``days`` older, re-sealed as if they had
    been written then (test set-up: the database clock cannot be turned back)."""
    raw(f"ALTER TABLE {q(schema)}.audit_auditevent DISABLE TRIGGER zt_audit_guard")
    raw(f"UPDATE {q(schema)}.audit_auditevent SET occurred_at = occurred_at - make_interval(days => %s)"
        f" WHERE id <= %s", [days, through_id])
    database.relink(schema)
    raw(f"ALTER TABLE {q(schema)}.audit_auditevent ENABLE TRIGGER zt_audit_guard")
