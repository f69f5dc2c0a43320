"""Writes of the roll-up summaries (public schema): refresh one unit's rows from its books.

The refresh reads the unit's schema and writes the public tables in one transaction, under
an advisory lock per unit: two refreshes of the same unit (a burst of asset writes, the
depreciation job and a "refresh now" at once) run one after the other, and the later one
reads the books after the earlier one committed — rows never mix two readings. Schema names
come from the Unit table and are quoted as identifiers; nothing a user types reaches the SQL.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from psycopg import sql

from zhengtong.audit.services import audit_record

from ..rollup import CARD_GROUPS
from .models import (
    UnitAssetDimension,
    UnitAssetSummary,
    UnitDisposalMonth,
    UnitIncomeMonth,
    UnitQuotaUsage,
    UnitSummaryState,
)

_LOCK = sql.SQL("SELECT pg_advisory_xact_lock(hashtext('assets_district.refresh'), {uid})")
_SUMMARY = sql.SQL(
    "INSERT INTO public.{summary} (unit_id, class_code, class_name, status, department, count, quantity, "
    "original_value, net_value) " + CARD_GROUPS)
# By class: classified cards by code ("class"), the others by their text class ("class_text",
# keyed by the text: the key is unique per unit and dimension), cards with no class at all
# under the empty code.
_DIMENSIONS = sql.SQL(
    "INSERT INTO public.{dimensions} (unit_id, dimension, key, name, count, quantity, original_value, net_value) "
    "SELECT {uid}, 'status', status, '', sum(count), sum(quantity), sum(original_value), sum(net_value) "
    "FROM public.{summary} WHERE unit_id = {uid} GROUP BY status "
    "UNION ALL SELECT {uid}, 'class', class_code, max(class_name), "
    "sum(count), sum(quantity), sum(original_value), sum(net_value) "
    "FROM public.{summary} WHERE unit_id = {uid} AND (class_code <> '' OR class_name = '') GROUP BY class_code "
    "UNION ALL SELECT {uid}, 'class_text', class_name, class_name, "
    "sum(count), sum(quantity), sum(original_value), sum(net_value) "
    "FROM public.{summary} WHERE unit_id = {uid} AND class_code = '' AND class_name <> '' GROUP BY class_name "
    "UNION ALL SELECT {uid}, 'department', department, '', sum(count), sum(quantity), sum(original_value), "
    "sum(net_value) FROM public.{summary} WHERE unit_id = {uid} GROUP BY department")
_DISPOSALS = sql.SQL(
    "INSERT INTO public.{disposals} (unit_id, month, count, original_value) "
    "SELECT {uid}, date_trunc('month', a.status_changed_on)::date, count(*), sum(a.original_value) "
    "FROM {schema}.assets_asset a WHERE a.status = 'disposed' GROUP BY 2")
_INCOME = sql.SQL(
    "INSERT INTO public.{income} (unit_id, month, amount) "
    "SELECT {uid}, date_trunc('month', e.received_on)::date, sum(e.amount) "
    "FROM {schema}.assets_leasing_incomeentry e GROUP BY 2")
_QUOTAS = sql.SQL(
    "INSERT INTO public.{quotas} (unit_id, year, class_code, class_name, quota, stock) "
    "SELECT {uid}, q.year, c.code, c.name, q.approved_quantity, "
    "(SELECT coalesce(sum(a.quantity), 0) FROM {schema}.assets_asset a "
    " JOIN {schema}.assets_category ac ON ac.id = a.asset_class_id "
    " WHERE ac.code LIKE c.code || '%' AND a.status <> 'disposed') "
    "FROM {schema}.assets_quotaitem q JOIN {schema}.assets_category c ON c.id = q.asset_class_id "
    "WHERE q.status = 'approved'")


@dataclass(frozen=True)
class Refreshed:
    unit_id: int
    rows: int
    cards: int
    seconds: float


def unit_summary_refresh(*, unit, actor=None) -> Refreshed:
    """Replace ``unit``'s summary rows with its books as they are now. Safe to call from any
    schema (the SQL names both schemas) and any number of times. ``actor`` is given when a
    person asked for it (audited); the automatic refreshes after writes are not."""
    started = time.perf_counter()
    names = {"uid": sql.Literal(unit.pk), "schema": sql.Identifier(unit.schema_name),
             "summary": sql.Identifier(UnitAssetSummary._meta.db_table),
             "dimensions": sql.Identifier(UnitAssetDimension._meta.db_table),
             "disposals": sql.Identifier(UnitDisposalMonth._meta.db_table),
             "quotas": sql.Identifier(UnitQuotaUsage._meta.db_table),
             "income": sql.Identifier(UnitIncomeMonth._meta.db_table)}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_LOCK.format(**names).as_string(connection.connection))
        cur.execute("SELECT clock_timestamp()")
        as_of = cur.fetchone()[0]
        UnitAssetSummary.objects.filter(unit_id=unit.pk).delete()
        UnitAssetDimension.objects.filter(unit_id=unit.pk).delete()
        UnitDisposalMonth.objects.filter(unit_id=unit.pk).delete()
        UnitQuotaUsage.objects.filter(unit_id=unit.pk).delete()
        UnitIncomeMonth.objects.filter(unit_id=unit.pk).delete()
        cur.execute(_SUMMARY.format(**names).as_string(connection.connection))
        rows = cur.rowcount
        cur.execute(_DIMENSIONS.format(**names).as_string(connection.connection))
        cur.execute(_DISPOSALS.format(**names).as_string(connection.connection))
        cur.execute(_QUOTAS.format(**names).as_string(connection.connection))
        cur.execute(_INCOME.format(**names).as_string(connection.connection))
        cards = sum(UnitAssetSummary.objects.filter(unit_id=unit.pk).values_list("count", flat=True))
        seconds = time.perf_counter() - started
        UnitSummaryState.objects.update_or_create(
            unit_id=unit.pk, defaults={"refreshed_at": as_of, "cards": cards, "seconds": seconds})
        if actor is not None:
            audit_record(action="assets.rollup.refresh", actor=actor, object_type="tenants.unit",
                         object_id=str(unit.pk), object_repr=unit.name, after={"cards": cards, "rows": rows})
    return Refreshed(unit.pk, rows, cards, seconds)


def on_module_switched_on(*, unit_id: int, module_key: str, **payload) -> None:
    """A unit gets its summary rows the moment assets is switched on for it: a unit without
    them is read live by every district page (one UNION ALL over the schemas of all such
    units: 663 ms at ~500 units) until the next refresh. A new unit's books are empty, so
    this is cheap; a unit switched on again reads what it kept."""
    if module_key != "assets":
        return
    from tenants.models import Unit

    unit_summary_refresh(unit=Unit.objects.get(pk=unit_id))


def summary_refresh_all(*, units, actor=None) -> list[Refreshed]:
    """Refresh every unit in ``units`` (the district's "refresh now" and the management command)."""
    return [unit_summary_refresh(unit=u, actor=actor) for u in units]


def summary_refresh_later(*, units, actor) -> int:
    """Queue a refresh of every unit in ``units`` (the district's "refresh now" for all units:
    the worker does them one by one, and the page shows each unit's time as they land)."""
    from .tasks import rollup_refresh

    ids = [u.pk for u in units]
    audit_record(action="assets.rollup.refresh", actor=actor, object_type="tenants.unit", object_id="",
                 object_repr="all units", after={"units": len(ids)})
    transaction.on_commit(lambda: [rollup_refresh.delay(uid) for uid in ids])
    return len(ids)


def summary_refresh_on_commit() -> None:
    """Queue a refresh of the current unit's summary once the caller's transaction commits.

    Called by the asset writes (modules/assets/services.py, the bulk import, the idle pool's
    transfer, an approved quota, rent recorded on a lending contract): the district
    figures follow the books within seconds without the writer paying for the aggregate.
    One task per transaction and unit, however many cards it wrote; nothing is sent when the
    transaction rolls back (Django drops the callback with it). The unit is resolved from the
    schema now: by commit time the connection may have been switched to another schema.
    """
    schema = connection.schema_name
    if schema == "public":
        return
    for entry in connection.run_on_commit:  # (savepoint ids, callback, robust)
        if getattr(entry[1], "zt_rollup_schema", None) == schema:
            return

    def send():
        from tenants.models import Unit

        from .tasks import rollup_refresh

        unit_id = Unit.objects.filter(schema_name=schema).values_list("pk", flat=True).first()
        if unit_id is not None:
            rollup_refresh.delay(unit_id)

    send.zt_rollup_schema = schema
    transaction.on_commit(send)
