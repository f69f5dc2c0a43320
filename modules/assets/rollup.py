"""District roll-up of the units' asset books: one query across all unit schemas.

The figures are read live with a single UNION ALL statement with one branch per unit
schema (each branch aggregates inside its schema), so the database does the work in one
round trip instead of a Python loop switching the search_path unit by unit. Schema names
come from the Unit table and are quoted as identifiers; nothing the user types reaches
the SQL text. Archived units and units without the assets module are left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from psycopg import sql

from tenants.models import Unit, UnitModule

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


_BRANCH = sql.SQL(
    "SELECT {uid}::int AS unit_id, coalesce(c.code, '') AS class_code, coalesce(c.name, a.category) AS class_name, "
    "a.status, count(*) AS n, sum(a.quantity) AS qty, sum(a.original_value) AS original, "
    "sum(a.original_value - a.accumulated_depreciation) AS net "
    "FROM {schema}.assets_asset a LEFT JOIN {schema}.assets_category c ON c.id = a.asset_class_id "
    "GROUP BY 1, 2, 3, 4")


def asset_rollup(units: list[Unit] | None = None) -> list[Row]:
    """Count, quantity, original and net value per unit, class and status."""
    units = rollup_units() if units is None else units
    if not units:
        return []
    by_id = {u.pk: u for u in units}
    query = sql.SQL(" UNION ALL ").join(
        _BRANCH.format(uid=sql.Literal(u.pk), schema=sql.Identifier(u.schema_name)) for u in units)
    with connection.cursor() as cur:
        cur.execute(query.as_string(connection.connection))
        rows = cur.fetchall()
    return [Row(by_id[uid], code, name or "", status, n, qty, orig, net)
            for uid, code, name, status, n, qty, orig, net in rows]


@dataclass
class Totals:
    count: int = 0
    original_value: Decimal = ZERO
    net_value: Decimal = ZERO

    def add(self, row: Row) -> None:
        self.count += row.count
        self.original_value += row.original_value
        self.net_value += row.net_value


def totals_by(rows: list[Row], key) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(key(row), Totals()).add(row)
    return out


_QUOTA_BRANCH = sql.SQL(
    "SELECT {uid}::int, q.year, c.code, c.name, q.approved_quantity, "
    "(SELECT coalesce(sum(a.quantity), 0) FROM {schema}.assets_asset a "
    " JOIN {schema}.assets_category ac ON ac.id = a.asset_class_id "
    " WHERE ac.code LIKE c.code || '%' AND a.status <> 'disposed') "
    "FROM {schema}.assets_quotaitem q JOIN {schema}.assets_category c ON c.id = q.asset_class_id "
    "WHERE q.status = 'approved'")


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


def quota_usage(units: list[Unit] | None = None) -> list[QuotaUsage]:
    """Approved quotas against current stock (the class and below), every unit in one query."""
    units = rollup_units() if units is None else units
    if not units:
        return []
    by_id = {u.pk: u for u in units}
    query = sql.SQL(" UNION ALL ").join(
        _QUOTA_BRANCH.format(uid=sql.Literal(u.pk), schema=sql.Identifier(u.schema_name)) for u in units)
    with connection.cursor() as cur:
        cur.execute(query.as_string(connection.connection))
        rows = cur.fetchall()
    return sorted((QuotaUsage(by_id[uid], year, code, name, quota, stock)
                   for uid, year, code, name, quota, stock in rows),
                  key=lambda q: (q.unit.name, q.year, q.class_code))
