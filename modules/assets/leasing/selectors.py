"""Reads of lending and renting contracts, permission-filtered; and the income figures the
district roll-up reads (lending_income, lending_income_by_unit)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet, Sum
from django.http import Http404
from django_tenants.utils import schema_context
from psycopg import sql

from zhengtong.core.permissions import visible
from zhengtong.registry.registry import UNIT_ADMIN

from .models import IncomeEntry, LeaseContract

VIEW = "assets_leasing.view_leasecontract"
ZERO = Decimal("0.00")


def may_view_contracts(user) -> bool:
    """The asset officer (through the role's permission) and the unit head, who approves them."""
    return user.is_authenticated and (user.has_perm(VIEW) or user.has_role(UNIT_ADMIN))


def _visible(user, qs: QuerySet) -> QuerySet:
    return qs if user.is_authenticated and user.has_role(UNIT_ADMIN) else visible(user, VIEW, qs)


def contract_list(*, user, status: str = "") -> QuerySet[LeaseContract]:
    qs = _visible(user, LeaseContract.objects.select_related("asset"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def contract_get(*, user, pk: int) -> LeaseContract:
    try:
        return _visible(user, LeaseContract.objects.select_related("asset", "requested_by", "filed_by")).get(pk=pk)
    except LeaseContract.DoesNotExist:
        raise Http404 from None


def active_contract_for_card(asset) -> LeaseContract | None:
    """The contract under which someone else has the asset now (shown on the card)."""
    return (LeaseContract.objects.filter(asset_id=asset.pk, status=LeaseContract.Status.ACTIVE)
            .order_by("-term_start").first())


def lending_income(unit_schema: str, date_from: date, date_to: date) -> Decimal:
    """Rent received by one unit between two dates (both inclusive), yuan."""
    with schema_context(unit_schema):
        total = IncomeEntry.objects.filter(received_on__gte=date_from, received_on__lte=date_to).aggregate(
            s=Sum("amount"))["s"]
    return (total or ZERO).quantize(Decimal("0.01"))


_INCOME_BRANCH = sql.SQL(
    "SELECT {uid}::int, coalesce(sum(amount), 0) FROM {schema}.assets_leasing_incomeentry "
    "WHERE received_on BETWEEN %(f)s AND %(t)s")


def lending_income_by_unit(units, date_from: date, date_to: date) -> dict[int, Decimal]:
    """Rent received per unit id between two dates, in one statement across the unit schemas
    (like modules/assets/rollup.py: schema names come from the Unit table, quoted as identifiers)."""
    units = list(units)
    if not units:
        return {}
    query = sql.SQL(" UNION ALL ").join(
        _INCOME_BRANCH.format(uid=sql.Literal(u.pk), schema=sql.Identifier(u.schema_name)) for u in units)
    with connection.cursor() as cur:
        cur.execute(query.as_string(connection.connection), {"f": date_from, "t": date_to})
        return {uid: Decimal(total).quantize(Decimal("0.01")) for uid, total in cur.fetchall()}


@dataclass
class FiledContract:
    unit: object
    contract_id: int
    asset_number: str
    asset_name: str
    kind: str
    counterparty: str
    term_start: date
    term_end: date
    rent: Decimal
    income: Decimal
    status: str
    filed_at: object


_FILED_BRANCH = sql.SQL(
    "SELECT {uid}::int, c.id, a.number, a.name, c.kind, c.counterparty, c.term_start, c.term_end, c.rent, "
    "(SELECT coalesce(sum(i.amount), 0) FROM {schema}.assets_leasing_incomeentry i WHERE i.contract_id = c.id), "
    "c.status, c.filed_at "
    "FROM {schema}.assets_leasing_leasecontract c JOIN {schema}.assets_asset a ON a.id = c.asset_id "
    "WHERE c.filed_at IS NOT NULL")


def filed_contracts(units) -> list[FiledContract]:
    """Contracts filed with the bureau, across units: figures and counterparty only."""
    units = list(units)
    if not units:
        return []
    by_id = {u.pk: u for u in units}
    query = sql.SQL(" UNION ALL ").join(
        _FILED_BRANCH.format(uid=sql.Literal(u.pk), schema=sql.Identifier(u.schema_name)) for u in units)
    with connection.cursor() as cur:
        cur.execute(query.as_string(connection.connection))
        rows = cur.fetchall()
    out = [FiledContract(by_id[r[0]], *r[1:]) for r in rows]
    return sorted(out, key=lambda c: (c.unit.name, c.term_end))


def actions_for(user, contract: LeaseContract) -> set[str]:
    """What ``user`` may do with ``contract`` now ("income", "file", "return"): the pages offer
    these and nothing else (the services' guards decide, the pages do not restate them)."""
    from .services import can_file, can_record_income, can_return

    guards = {"income": can_record_income, "file": can_file, "return": can_return}
    return {action for action, guard in guards.items() if guard(contract, user) is None}
