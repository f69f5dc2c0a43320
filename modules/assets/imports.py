"""Registering asset cards from a spreadsheet (资产卡片批量导入).

The definition says what the template holds and how rows are checked; the service
``asset_bulk_register`` writes them: numbers from ``services.next_asset_number`` for
rows without one, ``bulk_create`` in batches, the custodian's object permissions in
bulk, one audit record for the whole import.

A row whose asset number already exists is compared with the stored card: identical →
"unchanged" (re-running a file is harmless); different → refused. An import registers
cards; changing an existing card (custodian, value) goes through the card's own page,
where the rules for changes and their audit apply.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhengtong.accounts.models import User
from zhengtong.audit.services import audit_record
from zhengtong.imports.definitions import Column, CommitResult, ImportDefinition, model_column
from zhengtong.imports.registry import register_import

from .models import Asset, AssetUserObjectPermission
from .services import CUSTODIAN_PERMS, next_asset_number

IMPORT_PERMISSIONS = ("assets.add_asset", "assets.change_asset")  # the asset officer's pair
EARLIEST_ACQUISITION = date(1900, 1, 1)


@dataclass
class BulkRegistered:
    assets: int
    numbers_assigned: int
    first_assigned: str
    last_assigned: str
    custodians: int
    total_original_value: Decimal


def _assign_numbers(records: Sequence[dict[str, Any]], taken: set[str]) -> int:
    """Give every record without a number the unit's next ones, per acquisition year.

    ``next_asset_number`` takes the unit's numbering lock for the rest of the
    transaction and says where the year's sequence stands; the rest of the sequence is
    counted on from there, skipping numbers used in the file (``taken``) or stored.
    """
    by_year: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        by_year.setdefault(r["acquired_on"].year, []).append(r)
    assigned = 0
    for year, pending in sorted(by_year.items()):
        first = next_asset_number(year)
        prefix, seq_text = first.rsplit("-", 1)
        width, seq = len(seq_text), int(seq_text)
        while pending:
            candidates = []
            while len(candidates) < len(pending):
                number = f"{prefix}-{seq:0{width}d}"
                seq += 1
                if number not in taken:
                    candidates.append(number)
            used = set(Asset.objects.filter(number__in=candidates).values_list("number", flat=True))
            free = [n for n in candidates if n not in used]
            for record, number in zip(pending, free, strict=False):  # fewer free numbers: the rest next round
                record["number"] = number
                taken.add(number)
            assigned += min(len(pending), len(free))
            pending = pending[len(free):]
    return assigned


class AssetBulkRegistration:
    """Registers many asset cards inside the caller's transaction, batch by batch.

    ``add`` writes rows that carry a number at once (``bulk_create``) and keeps rows
    without one; ``finish`` numbers those once every number in the file is known, writes
    them, and records one audit event for the whole registration. Custodians get the
    same object permissions ``asset_register`` grants, in one statement per batch.
    Each inserted row is also caught by the audit trail's row trigger.
    """

    def __init__(self, *, actor, batch_size: int = 2000):
        if not all(actor.has_perm(p) for p in IMPORT_PERMISSIONS):
            raise PermissionDenied(_("Only the asset officer may import asset cards."))
        self.actor = actor
        self.batch_size = batch_size
        self.content_type = ContentType.objects.get_for_model(Asset)
        self.permission_ids = [
            Permission.objects.get(content_type=self.content_type, codename=p.split(".", 1)[1]).pk
            for p in CUSTODIAN_PERMS]
        # Asset(**kwargs) walks every field for every row; the positional form is the fast
        # path Django itself uses when loading rows. Defaults are evaluated once, callable
        # ones per row (they may be meant to differ).
        fields = Asset._meta.concrete_fields
        prototype = Asset()
        self._template = [getattr(prototype, f.attname) for f in fields]
        self._per_row_defaults = [(i, f.get_default) for i, f in enumerate(fields)
                                  if f.has_default() and callable(f.default)]
        self._at = {f.attname: i for i, f in enumerate(fields)}
        self.unnumbered: list[dict[str, Any]] = []
        self.taken: set[str] = set()
        self.created = 0
        self.custodians: set[int] = set()
        self.total = Decimal("0.00")

    def add(self, records: Sequence[dict[str, Any]]) -> None:
        numbered = []
        for r in records:
            if r.get("number"):
                self.taken.add(r["number"])
                numbered.append(r)
            else:
                self.unnumbered.append(r)
        self._insert(numbered)

    def finish(self) -> BulkRegistered:
        assigned = _assign_numbers(self.unnumbered, self.taken)
        self._insert(self.unnumbered)
        result = BulkRegistered(
            assets=self.created, numbers_assigned=assigned,
            first_assigned=self.unnumbered[0]["number"] if self.unnumbered else "",
            last_assigned=self.unnumbered[-1]["number"] if self.unnumbered else "",
            custodians=len(self.custodians), total_original_value=self.total)
        audit_record(action="assets.asset.import", actor=self.actor, object_type="assets.Asset",
                     object_repr=f"{self.created} asset cards", after=result.__dict__)
        from .district.services import summary_refresh_on_commit

        summary_refresh_on_commit()  # the district roll-up follows the books once the import commits
        return result

    def _insert(self, records: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(records), self.batch_size):
            batch = [self._new(r) for r in records[start:start + self.batch_size]]
            Asset.objects.bulk_create(batch)  # PostgreSQL returns the new ids
            held = [(a.pk, a.custodian_id) for a in batch if a.custodian_id]
            if held:
                self._grant(held)
            for a in batch:
                self.total += a.original_value
                if a.custodian_id:
                    self.custodians.add(a.custodian_id)
            self.created += len(batch)

    def _new(self, r: dict[str, Any]) -> Asset:
        values = self._template.copy()
        for i, default in self._per_row_defaults:
            values[i] = default()
        at = self._at
        values[at["number"]] = r["number"]
        values[at["name"]] = r["name"]
        values[at["category"]] = r.get("category") or ""
        values[at["spec"]] = r.get("spec") or ""
        values[at["original_value"]] = r["original_value"]
        values[at["acquired_on"]] = r["acquired_on"]
        values[at["status_changed_on"]] = r["acquired_on"]  # in use since acquisition
        values[at["department"]] = r.get("department") or ""
        values[at["location"]] = r.get("location") or ""
        values[at["custodian_id"]] = r["custodian"].pk if r.get("custodian") else None
        return Asset(*values)

    def _grant(self, held: list[tuple[int, int]]) -> None:
        """The rows guardian's bulk_assign_perm writes into the cards' direct-FK grant table
        (AssetUserObjectPermission: permission, user, card), made by the database in one
        statement instead of one model instance per row. The assets are new, so there is
        nothing to de-duplicate. The table exists only in unit schemas, so the search_path's
        unit schema is the only place this can write."""
        meta = AssetUserObjectPermission._meta
        table = connection.ops.quote_name(meta.db_table)
        cols = ", ".join(connection.ops.quote_name(meta.get_field(f).column)
                         for f in ("permission", "user", "content_object"))
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT p.id, x.user_id, x.asset_id "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS x(asset_id, user_id) "
                "CROSS JOIN unnest(%s::bigint[]) AS p(id)",
                [[a for a, _ in held], [u for _, u in held], self.permission_ids])


@transaction.atomic
def asset_bulk_register(*, actor, records: Sequence[dict[str, Any]], batch_size: int = 2000) -> BulkRegistered:
    """Register many asset cards at once. ``records`` are validated: name, original_value
    (Decimal), acquired_on (date), optional number, category, spec, department,
    location, custodian (a member of this unit, or None)."""
    registration = AssetBulkRegistration(actor=actor, batch_size=batch_size)
    registration.add(list(records))
    return registration.finish()


class _Writer:
    """Feeds the import engine's batches to an AssetBulkRegistration."""

    def __init__(self, *, actor, batch_size: int):
        self.registration = AssetBulkRegistration(actor=actor, batch_size=batch_size)

    def add(self, records: list[dict[str, Any]]) -> None:
        self.registration.add(records)

    def finish(self) -> CommitResult:
        r = self.registration.finish()
        return CommitResult(created=r.assets, detail={
            "numbers_assigned": r.numbers_assigned, "first_assigned": r.first_assigned,
            "last_assigned": r.last_assigned, "custodians": r.custodians,
            "total_original_value": str(r.total_original_value)})


class AssetImport(ImportDefinition):
    key = "assets.asset"
    module_key = "assets"
    name_zh = "资产卡片"
    name_en = "Asset cards"
    permissions = IMPORT_PERMISSIONS
    model = Asset  # its validation runs on every row before anything is written
    natural_key = ("number",)
    max_rows = 200_000
    columns = (
        model_column(Asset, "number", header_zh="资产编号", required=False, unique=True,
                     help_zh="留空则按“单位-年份-序号”自动编号", help_en="Leave blank to number automatically"),
        model_column(Asset, "name", header_zh="资产名称", example="台式计算机"),
        model_column(Asset, "category", header_zh="资产分类", example="通用设备"),
        model_column(Asset, "spec", header_zh="规格型号", example="联想 启天M720"),
        model_column(Asset, "original_value", header_zh="原值（元）", example=Decimal("5000.00"),
                     help_zh="人民币元，最多两位小数", help_en="Yuan, at most 2 decimal places"),
        model_column(Asset, "acquired_on", header_zh="取得日期", example=date(2024, 3, 1),
                     help_zh="如 2024-03-01", help_en="e.g. 2024-03-01"),
        model_column(Asset, "department", header_zh="使用部门", example="办公室"),
        model_column(Asset, "location", header_zh="存放地点", example="办公楼301室"),
        Column("custodian", "使用人邮箱", "Custodian email", type="email", reference="custodians_by_email",
               help_zh="本单位成员的登录邮箱，可留空", help_en="Login email of a member of this unit; optional"),
    )

    def custodians_by_email(self, emails: set[str]) -> dict[str, User]:
        # Members of *this* unit only: an email of someone in another unit is "not found".
        users = (User.objects.annotate(email_lower=Lower("email"))
                 .filter(email_lower__in=list(emails), tenants__schema_name=connection.schema_name, is_active=True))
        return {u.email_lower: u for u in users}

    def reference_message(self, column: Column) -> str:
        return gettext_noop("No member of this unit has the email %(v)s (本单位没有使用该邮箱的成员).")

    def clean_record(self, record: dict[str, Any]):
        acquired = record.get("acquired_on")
        if acquired is not None:
            if acquired > timezone.localdate():
                yield "acquired_on", gettext_noop("The acquisition date is in the future (取得日期晚于今天)."), {}
            elif acquired < EARLIEST_ACQUISITION:
                yield "acquired_on", gettext_noop("The acquisition date is before 1900 (取得日期早于1900年)."), {}

    def existing(self, keys: list[tuple]) -> dict[tuple, dict[str, Any]]:
        rows = Asset.objects.filter(number__in=[k[0] for k in keys]).values(
            "number", "name", "category", "spec", "original_value", "acquired_on", "department", "location",
            "custodian_id")
        return {(r["number"],): r for r in rows}

    def differences(self, record: dict[str, Any], stored: dict[str, Any]) -> list[str]:
        mine = {**record, "custodian_id": record["custodian"].pk if record.get("custodian") else None}
        diff = []
        for key in ("name", "category", "spec", "original_value", "acquired_on", "department", "location",
                    "custodian_id"):
            if (mine.get(key) or None) != (stored.get(key) or None):
                diff.append("custodian" if key == "custodian_id" else key)
        return diff

    def writer(self, *, actor) -> _Writer:
        return _Writer(actor=actor, batch_size=self.batch_size)


register_import(AssetImport())
