"""Writing the audit trail. Called inside the transaction of the change it records, so
a failed audit write rolls the change back (fail closed)."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .context import current_ip, current_user
from .models import AuditEvent

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def event_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(_jsonable(fields), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def chained_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "unit_schema": event.unit_schema,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "result": event.result,
        "detail": event.detail,
    }


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
    """Append one event to the current schema's chain."""
    actor = actor if actor is not None else current_user()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        # One writer at a time per schema, so the chain never forks. The lock is
        # transaction-scoped and keyed by schema: units never wait for each other.
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_chain'))")
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=str(actor)[:200] if actor else "",
            unit_schema=connection.schema_name,
            ip=ip or current_ip(),
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_repr=object_repr[:200],
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            result=result,
            detail=detail,
            prev_hash=last or GENESIS,
        )
        event.hash = event_digest(event.prev_hash, chained_fields(event))
        event.save()
    return event


def audit_denied(*, action: str, actor, obj=None, detail: str = "", **kw) -> AuditEvent:
    """Record a refused attempt. Call it *outside* the transaction of the refused write:
    that transaction is rolled back, and the refusal must stay in the trail."""
    return audit_record(action=action, actor=actor, obj=obj, result=AuditEvent.Result.DENIED, detail=detail, **kw)


def verify_chain() -> tuple[int, AuditEvent | None, str]:
    """Walk the current schema's chain in order.

    Returns (events checked, first broken event or None, reason). A deleted row shows
    as the next row's ``prev_hash`` not matching; an edited row as its hash not matching.
    """
    prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return checked, event, "missing or reordered event before this one"
        if event_digest(event.prev_hash, chained_fields(event)) != event.hash:
            return checked, event, "event content was changed"
        prev = event.hash
        checked += 1
    return checked, None, ""
