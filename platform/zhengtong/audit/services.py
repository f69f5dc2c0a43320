"""Writing, verifying and purging the audit trail.

``audit_record`` is called inside the transaction of the change it records, so a failed
audit write rolls the change back (fail closed). Module tables opted in with
``tracking.track_changes`` are recorded by database triggers in the same way. The
database links every event into its schema's chain (``database.py``); this module only
inserts, reads and checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from zhengtong.core.errors import Refused, audited_refusal

from . import database
from .context import current_ip, current_user
from .models import AuditEvent

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

GENESIS = database.GENESIS


def json_safe(value: Any) -> Any:
    """``value`` as the audit trail stores it: dates and times in ISO 8601, decimals as text
    (exact, as entered), anything else unknown as its text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def event_digest(prev_hash: str, fields: dict[str, str | None]) -> str:
    """The hash of one event from the text of its chained columns (see ``chained_fields``)."""
    return database.digest(prev_hash, [fields.get(name) for name, _ in database.CHAIN_COLUMNS])


def chained_fields(event: AuditEvent) -> dict[str, str | None]:
    """The chained columns of a stored event, rendered as the database hashed them."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(database.column_texts_sql('e'))} FROM {_table(event.unit_schema or None)} AS e"
            f" WHERE e.id = %s",
            [event.pk],
        )
        row = cur.fetchone()
    return dict(zip((name for name, _ in database.CHAIN_COLUMNS), row, strict=True))


def audit_record(
    *,
    action: str,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    result: str = AuditEvent.Result.SUCCESS,
    detail: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the current schema's chain (time, unit and links are set by
    the database as the row is inserted)."""
    actor = actor if actor is not None else current_user()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    event = AuditEvent(
        actor_id=getattr(actor, "pk", None),
        actor_label=str(actor)[:200] if actor else "",
        unit_schema=connection.schema_name,
        ip=ip or current_ip(),
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        before=json_safe(before) if before is not None else None,
        after=json_safe(after) if after is not None else None,
        result=result,
        detail=detail,
    )
    event.save(force_insert=True)
    return event


def audit_denied(*, action: str, actor, obj=None, detail: str = "", **kw) -> AuditEvent:
    """Record a refused attempt. Call it *outside* the transaction of the refused write:
    that transaction is rolled back, and the refusal must stay in the trail."""
    return audit_record(action=action, actor=actor, obj=obj, result=AuditEvent.Result.DENIED, detail=detail, **kw)


@audited_refusal("audit.read", object_type="audit.AuditEvent")
def trail_read_allowed(*, actor: User, unit, where: str) -> None:
    """Refuse (audited: ``audit.read`` denied, naming the page asked for) unless ``actor`` may
    read the audit trail in ``unit``."""
    from .selectors import can_read_trail

    if not can_read_trail(actor, unit):
        raise Refused(_("Only the audit administrator may read the audit trail."), detail=where)


# --------------------------------------------------------------------------- verification

@dataclass
class TrailReport:
    """What ``verify_trail`` found in one schema."""

    schema: str
    checked: int = 0
    broken_id: int | None = None
    reason: str = ""
    previous_id: int | None = None  # the last intact event before the break
    broken_summary: str = ""
    head_id: int | None = None
    head_hash: str = ""
    anchor_id: int | None = None  # the purge anchor the chain starts from, if any
    protection_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.protection_problems


def _table(schema: str | None) -> str:
    schema = schema or connection.schema_name
    return f"{connection.ops.quote_name(schema)}.{database.TABLE}"


def verify_trail(schema: str | None = None, *, chunk: int = 5000) -> TrailReport:
    """Walk ``schema``'s chain in id order and stop at the first broken link.

    The chain starts at the genesis hash, or — after a retention purge — at the hash the
    latest purge anchor recorded as the last one purged. A changed event shows as its own
    hash not matching its content; a deleted one as the next event not continuing from
    the one before it.
    """
    schema = schema or connection.schema_name
    table = _table(schema)
    report = TrailReport(schema=schema, protection_problems=database.missing_triggers(schema))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, after->>'last_purged_hash' FROM {table}"
            f" WHERE action = 'audit.purge' AND result = 'success' ORDER BY id DESC LIMIT 1"
        )
        anchor = cur.fetchone()
    expected = GENESIS
    if anchor is not None and anchor[1]:
        report.anchor_id, expected = anchor[0], anchor[1]
    columns = ", ".join(database.column_texts_sql("e"))
    last_id = None
    # A named server-side cursor streams the trail instead of loading it whole.
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor(name="zt_verify_trail") as cur:
        cur.itersize = chunk
        cur.execute(f"SELECT e.id, e.prev_hash, e.hash, e.action, e.occurred_at, {columns} FROM {table} AS e"
                    f" ORDER BY e.id")
        for row in cur:
            event_id, prev_hash, stored_hash, action, occurred_at = row[:5]
            texts = row[5:]
            if prev_hash != expected:
                report.reason = ("events are missing before this one (the chain does not continue from "
                                 + (f"event #{last_id}" if last_id is not None else
                                    f"the purge anchor #{report.anchor_id}" if report.anchor_id else "its start")
                                 + ")")
            elif database.digest(prev_hash, list(texts)) != stored_hash:
                report.reason = "the content of this event was changed"
            if report.reason:
                report.broken_id, report.previous_id = event_id, last_id
                report.broken_summary = f"{occurred_at:%Y-%m-%d %H:%M:%S} UTC {action}"
                break
            expected = stored_hash
            last_id = event_id
            report.checked += 1
    report.head_id, report.head_hash = last_id, (expected if last_id is not None else "")
    return report


def verify_chain() -> tuple[int, AuditEvent | None, str]:
    """The current schema's chain: (events checked, first broken event or None, reason)."""
    report = verify_trail()
    if report.broken_id is None:
        return report.checked, None, ""
    return report.checked, AuditEvent.objects.get(pk=report.broken_id), report.reason


# --------------------------------------------------------------------------- retention

@dataclass
class PurgeResult:
    schema: str
    deleted: int
    purged_through_id: int | None
    anchor_id: int | None
    retention_days: int


def retention_days(requested: int | None = None) -> int:
    """The retention in force: the setting, or a longer request; never below the floor."""
    configured = int(getattr(settings, "ZT_AUDIT_RETENTION_DAYS", database.MIN_RETENTION_DAYS))
    days = configured if requested is None else int(requested)
    if days < max(database.MIN_RETENTION_DAYS, configured):
        raise ValidationError(
            _("Audit events must be kept at least %(n)d days (审计记录保存期不得短于%(n)d天).")
            % {"n": max(database.MIN_RETENTION_DAYS, configured)}
        )
    return days


@transaction.atomic
def audit_purge(*, schema: str | None = None, days: int | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete the events older than the retention period from ``schema``'s trail, leaving
    an anchor event so the rest of the chain stays verifiable."""
    schema = schema or connection.schema_name
    days = retention_days(days)
    with connection.cursor() as cur:
        cur.execute("SELECT deleted, purged_through_id, anchor_id FROM public.zt_audit_purge(%s, %s, %s)",
                    [schema, days, dry_run])
        deleted, through, anchor = cur.fetchone()
    return PurgeResult(schema=schema, deleted=deleted or 0, purged_through_id=through, anchor_id=anchor,
                       retention_days=days)
