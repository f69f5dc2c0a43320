"""The figures behind the personnel reports, charts and the district roll-up.

All of them read the current unit's schema (the district roll-up visits each unit's schema in
turn and keeps only counts). Flows come from moves in effect (Transfer applied or ended;
reversed moves do not count, their reversal undid them) and from entries into the unit that
no move explains (new hires, recorded with the person).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Person, PositionHistory, Transfer

K = Transfer.Kind
INFLOW = {K.TRANSFER_IN: _("Transfer in")}
OUTFLOW = {K.TRANSFER_OUT: _("Transfer out"), K.RETIREMENT: _("Retirement"), K.RESIGNATION: _("Resignation")}
NEW_ENTRY = "entry"
IN_EFFECT = (Transfer.Status.APPLIED, Transfer.Status.RETURNED)


@dataclass(frozen=True)
class Movement:
    day: date
    direction: str  # "in" | "out" | "internal"
    kind: str  # Transfer.Kind value or NEW_ENTRY
    kind_label: str
    department: str


def _month(d: date) -> str:
    return f"{d.year}-{d.month:02d}"


def months_between(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def movements(start: date, end: date) -> list[Movement]:
    """Every move in effect with its effective date in [start, end], and every new entry."""
    out = []
    labels = dict(K.choices)
    for t in (Transfer.objects.filter(status__in=IN_EFFECT, effective_date__range=(start, end))
              .select_related("before_department", "after_department")):
        if t.kind in INFLOW:
            direction, dept = "in", t.after_department
        elif t.kind in OUTFLOW:
            direction, dept = "out", t.before_department
        else:
            direction, dept = "internal", t.after_department or t.before_department
        out.append(Movement(t.effective_date, direction, t.kind, str(labels.get(t.kind, t.kind)),
                            dept.name if dept else "—"))
    for h in (PositionHistory.objects.filter(kind=PositionHistory.Kind.ENTRY, transfer__isnull=True,
                                             start_date__range=(start, end), person__external=False)
              .select_related("department")):
        out.append(Movement(h.start_date, "in", NEW_ENTRY, str(_("New entry")),
                            h.department.name if h.department_id else (h.department_name or "—")))
    return sorted(out, key=lambda m: (m.day, m.direction, m.kind))


@dataclass
class Flows:
    start: date
    end: date
    months: list[str]
    inflow_by_month: list[int]
    outflow_by_month: list[int]
    by_department: list[tuple[str, int, int, int]]  # name, in, out, internal
    by_kind: list[tuple[str, str, int]]  # direction label, kind label, count
    total_in: int = 0
    total_out: int = 0
    total_internal: int = 0
    rows: list[Movement] = field(default_factory=list)


def flows(start: date, end: date) -> Flows:
    moves = movements(start, end)
    months = months_between(start, end)
    ins, outs = Counter(), Counter()
    depts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    kinds: Counter = Counter()
    index = {"in": 0, "out": 1, "internal": 2}
    direction_label = {"in": str(_("Inflow")), "out": str(_("Outflow")), "internal": str(_("Internal"))}
    for m in moves:
        if m.direction == "in":
            ins[_month(m.day)] += 1
        elif m.direction == "out":
            outs[_month(m.day)] += 1
        depts[m.department][index[m.direction]] += 1
        kinds[(direction_label[m.direction], m.kind_label)] += 1
    return Flows(
        start=start, end=end, months=months, inflow_by_month=[ins[k] for k in months],
        outflow_by_month=[outs[k] for k in months],
        by_department=sorted(((n, *v) for n, v in depts.items()), key=lambda r: (-(r[1] + r[2] + r[3]), r[0])),
        by_kind=sorted(((d, k, n) for (d, k), n in kinds.items())),
        total_in=sum(ins.values()), total_out=sum(outs.values()),
        total_internal=sum(1 for m in moves if m.direction == "internal"), rows=moves)


@dataclass(frozen=True)
class EstablishmentRow:
    department: str
    post: str
    post_type: str
    establishment: int
    occupied: int
    reserved: int

    @property
    def vacancy(self) -> int:
        return self.establishment - self.occupied - self.reserved

    @property
    def usage_percent(self) -> str:
        if not self.establishment:
            return "—"
        return f"{100 * (self.occupied + self.reserved) / self.establishment:.1f}%"


def establishment_usage() -> list[EstablishmentRow]:
    from ..selectors import establishment_figures

    return [EstablishmentRow(f.post.department.name, f.post.title, f.post.get_post_type_display(), f.establishment,
                             f.occupied, f.reserved) for f in establishment_figures()]


@dataclass(frozen=True)
class SecondmentRow:
    name: str
    direction: str
    department: str
    other: str
    end: date | None
    days_left: int | None


def secondments_outstanding(today: date) -> list[SecondmentRow]:
    """People seconded out (to another department or unit) or in, not yet returned."""
    rows = []
    people = (Person.objects.filter(status__in=(Person.Status.SECONDED_OUT, Person.Status.SECONDED_IN))
              .select_related("department", "seconded_to_department").order_by("secondment_end", "name"))
    for p in people:
        other = p.secondment_unit or (p.seconded_to_department.name if p.seconded_to_department_id else "—")
        rows.append(SecondmentRow(p.name, p.get_status_display(), p.department.name if p.department_id else "—",
                                  other, p.secondment_end,
                                  (p.secondment_end - today).days if p.secondment_end else None))
    return rows


@dataclass
class UnitRollup:
    unit: object
    in_post: int = 0
    establishment: int = 0
    seconded: int = 0
    inflow: int = 0
    outflow: int = 0

    @property
    def vacancy(self) -> int:
        return self.establishment - self.in_post


def unit_counts(year: int) -> UnitRollup:
    from ..models import Post

    row = UnitRollup(unit=None)
    counts = Person.objects.filter(external=False).aggregate(
        in_post=Count("pk", filter=Q(status__in=Person.OCCUPYING)),
        seconded=Count("pk", filter=Q(status__in=(Person.Status.SECONDED_OUT, Person.Status.SECONDED_IN))))
    row.in_post, row.seconded = counts["in_post"], counts["seconded"]
    row.establishment = sum(Post.objects.values_list("establishment", flat=True))
    f = flows(date(year, 1, 1), date(year, 12, 31))
    row.inflow, row.outflow = f.total_in, f.total_out
    return row


def district_rollup(year: int | None = None) -> tuple[list[UnitRollup], UnitRollup]:
    """Counts per unit that runs personnel, and the district total: figures, no records."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tenants.models import Unit

    year = year or timezone.localdate().year
    rows = []
    units = (Unit.objects.filter(module_switches__module_key="personnel", module_switches__enabled=True)
             .exclude(schema_name="public").exclude(status=Unit.Status.ARCHIVED).order_by("name"))
    for unit in units:
        with schema_context(unit.schema_name):
            row = unit_counts(year)
        row.unit = unit
        rows.append(row)
    total = UnitRollup(unit=None)
    for attr in ("in_post", "establishment", "seconded", "inflow", "outflow"):
        setattr(total, attr, sum(getattr(r, attr) for r in rows))
    return rows, total
