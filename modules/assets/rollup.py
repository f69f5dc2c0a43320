"""District roll-up of the units' asset books (selectors; the writes are in district/services.py).

The figures come from the per-unit summary rows in the public schema (modules/assets/district:
one row per unit × class × status × department, refreshed after every asset write in the
unit, by the depreciation job and on demand). Adding up 500 units is then one small query
over those rows, instead of one aggregate per unit schema. Each unit's rows carry the time
they were taken ("as of"); a unit that has no summary yet is read live with one UNION ALL
statement over the schemas concerned (each branch aggregates inside its schema). Schema names
come from the Unit table and are quoted as identifiers; nothing the user types reaches the SQL
text. Archived units and units without the assets module are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from psycopg import sql

from tenants.models import Unit, UnitModule

from .district.models import (
    UnitAssetDimension,
    UnitAssetSummary,
    UnitDisposalMonth,
    UnitIncomeMonth,
    UnitQuotaUsage,
    UnitSummaryState,
)

ZERO = Decimal("0.00")


def rollup_units() -> list[Unit]:
    enabled = UnitModule.objects.filter(module_key="assets", enabled=True).values("unit_id")
    return list(Unit.objects.exclude(schema_name="public").exclude(status=Unit.Status.ARCHIVED)
                .filter(pk__in=enabled).order_by("name"))


@dataclass
class Row:
    unit: Unit
    class_code: str
    class_name: str
    status: str
    count: int
    quantity: Decimal
    original_value: Decimal
    net_value: Decimal
    department: str = ""
    as_of: datetime | None = None  # None: read live from the unit's books


@dataclass
class Totals:
    count: int = 0
    quantity: Decimal = ZERO
    original_value: Decimal = ZERO
    net_value: Decimal = ZERO

    def add(self, row) -> None:
        self.count += row.count
        self.quantity += row.quantity
        self.original_value += row.original_value
        self.net_value += row.net_value


def totals_by(rows, key) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(key(row), Totals()).add(row)
    return out


# A unit's cards by class, status and department. A card's class is its classification
# (asset_class); a card registered with the class only as text (the import, the API and the
# demo write ``category``) is placed in the classification when the text is a class's code or
# the name of exactly one class, and otherwise under its text. Grouping by the classification
# alone put every such card under "no class" (90 of 91 cards in a district). The cards are
# grouped first and the few distinct texts resolved after, so the cost stays one pass over
# the cards. Both the summary refresh (district/services.py) and the live reading use it.
CARD_GROUPS = (
    "WITH g AS (SELECT asset_class_id, category, status, department, count(*) AS n, "
    " coalesce(sum(quantity), 0) AS qty, coalesce(sum(original_value), 0) AS orig, "
    " coalesce(sum(original_value - accumulated_depreciation), 0) AS net "
    " FROM {schema}.assets_asset GROUP BY 1, 2, 3, 4), "
    "named AS (SELECT name, min(code) AS code FROM {schema}.assets_category GROUP BY name HAVING count(*) = 1) "
    "SELECT {uid}::int, coalesce(c.code, bc.code, bn.code, ''), "
    "left(coalesce(c.name, bc.name, bn.name, g.category), 100), g.status, g.department, "
    "sum(g.n), sum(g.qty), sum(g.orig), sum(g.net) "
    "FROM g LEFT JOIN {schema}.assets_category c ON c.id = g.asset_class_id "
    "LEFT JOIN {schema}.assets_category bc ON g.asset_class_id IS NULL AND bc.code = g.category "
    "LEFT JOIN named bn ON g.asset_class_id IS NULL AND bc.id IS NULL AND bn.name = g.category "
    "GROUP BY 2, 3, 4, 5")
_BRANCH = sql.SQL("(" + CARD_GROUPS + ")")  # parenthesised: the live reading joins branches with UNION ALL


def asset_rollup_live(units: list[Unit]) -> list[Row]:
    """The units' figures read from their books now (one UNION ALL statement)."""
    if not units:
        return []
    by_id = {u.pk: u for u in units}
    query = sql.SQL(" UNION ALL ").join(
        _BRANCH.format(uid=sql.Literal(u.pk), schema=sql.Identifier(u.schema_name)) for u in units)
    with connection.cursor() as cur:
        cur.execute(query.as_string(connection.connection))
        rows = cur.fetchall()
    return [Row(by_id[uid], code, name or "", status, n, qty, orig, net, dept)
            for uid, code, name, status, dept, n, qty, orig, net in rows]


def summary_states(units: list[Unit]) -> dict[int, datetime]:
    """unit id → when its summary rows were taken (units without rows are missing).

    The summary tables are read whole and filtered here: one row per unit (or a few), where
    an ``IN`` list of 500 ids cost Django more to prepare than PostgreSQL to read the table."""
    wanted = {u.pk for u in units}
    return {uid: at for uid, at in UnitSummaryState.objects.values_list("unit_id", "refreshed_at")
            if uid in wanted}


def _of_units(manager, states: dict):
    """Summary rows of the units in ``states``: one unit by its id, many by reading the table."""
    if len(states) <= 20:
        return manager.filter(unit_id__in=list(states))
    return (row for row in manager.all() if row.unit_id in states)


def asset_rollup(units: list[Unit] | None = None) -> list[Row]:
    """Count, quantity, original and net value per unit, class, status and department: the
    summary rows, and the live books of units without a summary yet."""
    units = rollup_units() if units is None else units
    if not units:
        return []
    by_id = {u.pk: u for u in units}
    states = summary_states(units)
    rows = [Row(by_id[s.unit_id], s.class_code, s.class_name, s.status, s.count, s.quantity, s.original_value,
                s.net_value, s.department, states[s.unit_id])
            for s in _of_units(UnitAssetSummary.objects, states)]
    return rows + asset_rollup_live([u for u in units if u.pk not in states])


# The district page's totals from the per-unit dimension rows (a few dozen a unit, written
# with the summary): the district totals by status, class and department in one GROUP BY,
# and each unit's totals by status (hence by unit) as they are.
_TOTALS = """
SELECT dimension, key, max(name), sum(count), sum(quantity), sum(original_value), sum(net_value)
FROM {table} {where} GROUP BY dimension, key
"""
_UNIT_STATUS = """
SELECT unit_id, key, count, quantity, original_value, net_value FROM {table}
WHERE dimension = 'status' {and_where}
"""


@dataclass
class DistrictFigures:
    units: list[Unit]
    by_unit: dict[int, Totals] = field(default_factory=dict)
    by_unit_status: dict[tuple[int, str], Totals] = field(default_factory=dict)
    by_class: dict[tuple[str, str], Totals] = field(default_factory=dict)
    by_status: dict[str, Totals] = field(default_factory=dict)
    by_department: dict[str, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)
    as_of: dict[int, datetime | None] = field(default_factory=dict)  # None: read live

    def unit_totals(self, unit: Unit) -> Totals:
        return self.by_unit.get(unit.pk, Totals())

    @property
    def live_units(self) -> list[Unit]:
        return [u for u in self.units if self.as_of.get(u.pk) is None]


def _merge(target: dict, key, totals: Totals) -> None:
    target.setdefault(key, Totals()).add(totals)


def district_figures(units: list[Unit] | None = None) -> DistrictFigures:
    """Totals by unit, class, status and department and in all, with each unit's "as of"."""
    units = rollup_units() if units is None else units
    out = DistrictFigures(units=units)
    if not units:
        return out
    wanted = {u.pk for u in units}
    all_states = dict(UnitSummaryState.objects.values_list("unit_id", "refreshed_at"))
    states = {uid: at for uid, at in all_states.items() if uid in wanted}
    out.as_of = {u.pk: states.get(u.pk) for u in units}
    if states:
        # Usually every unit with a summary is wanted: then no filter at all (a sequential
        # read of the table), otherwise leave out the few that are not (archived, module off)
        # — cheaper than matching 500 wanted ids row by row.
        left_out = [uid for uid in all_states if uid not in wanted]
        table = "public." + connection.ops.quote_name(UnitAssetDimension._meta.db_table)
        params = [left_out] if left_out else None
        with connection.cursor() as cur:
            cur.execute(_TOTALS.format(table=table, where="WHERE NOT (unit_id = ANY(%s))" if left_out else ""),
                        params)
            totals = cur.fetchall()
            cur.execute(_UNIT_STATUS.format(table=table, and_where="AND NOT (unit_id = ANY(%s))" if left_out else ""),
                        params)
            unit_status = cur.fetchall()
        for dimension, key, name, n, qty, orig, net in totals:
            t = Totals(n, qty, orig, net)
            if dimension == "status":
                out.by_status[key] = t
                out.total.add(t)
            elif dimension == "class":
                out.by_class[(key, name if key else "")] = t
            elif dimension == "class_text":  # cards whose text class is not in the classification
                out.by_class[("", key)] = t
            elif dimension == "department":
                out.by_department[key] = t
        for uid, status, n, qty, orig, net in unit_status:
            t = Totals(n, qty, orig, net)
            out.by_unit_status[(uid, status)] = t
            _merge(out.by_unit, uid, t)
    for row in asset_rollup_live([u for u in units if u.pk not in states]):
        _merge(out.by_unit, row.unit.pk, row)
        _merge(out.by_unit_status, (row.unit.pk, row.status), row)
        _merge(out.by_class, (row.class_code, row.class_name), row)
        _merge(out.by_status, row.status, row)
        _merge(out.by_department, row.department, row)
        out.total.add(row)
    return out


@dataclass
class QuotaUsage:
    unit: Unit
    year: int
    class_code: str
    class_name: str
    quota: int
    stock: Decimal

    @property
    def over(self) -> bool:
        return self.stock > self.quota


_QUOTA_BRANCH = sql.SQL(
    "SELECT {uid}::int, q.year, c.code, c.name, q.approved_quantity, "
    "(SELECT coalesce(sum(a.quantity), 0) FROM {schema}.assets_asset a "
    " JOIN {schema}.assets_category ac ON ac.id = a.asset_class_id "
    " WHERE ac.code LIKE c.code || '%' AND a.status <> 'disposed') "
    "FROM {schema}.assets_quotaitem q JOIN {schema}.assets_category c ON c.id = q.asset_class_id "
    "WHERE q.status = 'approved'")


def quota_usage(units: list[Unit] | None = None) -> list[QuotaUsage]:
    """Approved quotas against current stock (the class and below): the summary rows, and one
    live query over the units without a summary yet."""
    units = rollup_units() if units is None else units
    if not units:
        return []
    by_id = {u.pk: u for u in units}
    states = summary_states(units)
    out = [QuotaUsage(by_id[q.unit_id], q.year, q.class_code, q.class_name, q.quota, q.stock)
           for q in UnitQuotaUsage.objects.all() if q.unit_id in states]
    live = [u for u in units if u.pk not in states]
    if live:
        query = sql.SQL(" UNION ALL ").join(
            _QUOTA_BRANCH.format(uid=sql.Literal(u.pk), schema=sql.Identifier(u.schema_name)) for u in live)
        with connection.cursor() as cur:
            cur.execute(query.as_string(connection.connection))
            out += [QuotaUsage(by_id[uid], year, code, name, quota, stock)
                    for uid, year, code, name, quota, stock in cur.fetchall()]
    return sorted(out, key=lambda q: (q.unit.name, q.year, q.class_code))


@dataclass
class Disposals:
    unit: Unit
    count: int
    original_value: Decimal


def disposals_in_period(units: list[Unit], *, start: date, end: date) -> list[Disposals]:
    """Cards disposed in the months from ``start`` to ``end`` (inclusive), per unit, from the
    summaries (units without one are not counted until their first refresh)."""
    by_id = {u.pk: u for u in units}
    first = start.replace(day=1)
    totals: dict[int, list] = {}
    for uid, n, value in (UnitDisposalMonth.objects.filter(month__gte=first, month__lte=end)
                          .values_list("unit_id", "count", "original_value")):
        if uid not in by_id:
            continue
        t = totals.setdefault(uid, [0, ZERO])
        t[0] += n
        t[1] += value
    return [Disposals(by_id[uid], n, v) for uid, (n, v) in sorted(totals.items(), key=lambda x: by_id[x[0]].name)]


def lending_income_in_period(units: list[Unit], *, start: date, end: date) -> dict[int, Decimal]:
    """Rent received in the months from ``start`` to ``end`` (inclusive) per unit id: the
    summaries, and the leasing sub-app's live reading for units without one yet."""
    from .leasing.selectors import lending_income_by_unit

    states = summary_states(units)
    first = start.replace(day=1)
    out: dict[int, Decimal] = {}
    for uid, amount in (UnitIncomeMonth.objects.filter(month__gte=first, month__lte=end)
                        .values_list("unit_id", "amount")):
        if uid not in states:
            continue
        out[uid] = out.get(uid, ZERO) + amount
    live = [u for u in units if u.pk not in states]
    if live:
        last = _month_end(end)
        out.update({uid: v for uid, v in lending_income_by_unit(live, first, last).items() if v})
    return out


def _month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)
