"""Reading the trail: who may, and what the audit admin's filters select."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhengtong.registry.registry import AUDIT_ADMIN, DISTRICT_AUDIT_ADMIN

from .models import AuditEvent


def trail_reader_role(unit) -> str:
    """The unit's audit administrator reads the unit's trail; the district's reads the
    district portal's (public schema) trail."""
    return DISTRICT_AUDIT_ADMIN if unit is not None and unit.is_district_portal else AUDIT_ADMIN


def can_read_trail(user, unit) -> bool:
    """Only the audit administrator of this unit (三员: not the system or security admin,
    not the unit admin). Answered in the active schema, like every role."""
    if user is None or not user.is_authenticated or not user.is_active or unit is None:
        return False
    return user.has_role(trail_reader_role(unit))


@dataclass(frozen=True)
class TrailFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive: the whole day
    actor: str = ""
    action: str = ""
    object: str = ""
    result: str = ""

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def _day_start(day: date) -> datetime:
    # Days are the unit's days (Asia/Shanghai); events are stored in UTC.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def trail_events(f: TrailFilter) -> QuerySet[AuditEvent]:
    """The current schema's events matching ``f``, newest first."""
    qs = AuditEvent.objects.all()
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.actor:
        cond = Q(actor_label__icontains=f.actor)
        if f.actor.isdigit():
            cond |= Q(actor_id=int(f.actor))
        qs = qs.filter(cond)
    if f.action:
        qs = qs.filter(action__icontains=f.action)
    if f.object:
        qs = qs.filter(Q(object_type__icontains=f.object) | Q(object_id=f.object) | Q(object_repr__icontains=f.object))
    if f.result:
        qs = qs.filter(result=f.result)
    return qs.order_by("-id")
