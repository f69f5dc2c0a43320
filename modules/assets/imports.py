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

from collections.abc import Callable, Sequence
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
from guardian.models import UserObjectPermission

from zhengtong.accounts.models import User
from zhengtong.audit.services import audit_record
from zhengtong.imports.definitions import Column, CommitResult, ImportDefinition, model_column
from zhengtong.imports.registry import register_import

from .models import Asset
from .services import CUSTODIAN_PERMS, next_asset_number

IMPORT_PERMISSIONS = ("assets.add_asset", "assets.change_asset")  # the asset officer's pair
EARLIEST_ACQUISITION = date(1900, 1, 1)


@dataclass
class BulkRegistered:
    assets: int
    numbers_assigned: int
    first_number: str
    last_number: str
    custodians: int
    total_original_value: Decimal


def _assign_numbers(records: Sequence[dict[str, Any]]) -> int:
    """Give every record without a number the unit's next ones, per acquisition year.

    ``next_asset_number`` takes the unit's numbering lock for the rest of the
    transaction and says where the year's sequence stands; the rest of the sequence is
    counted on from there, skipping numbers already used in the file or the database.
    """
    taken = {r["number"] for r in records if r.get("number")}
    by_year: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        if not r.get("number"):
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
            for record, number in zip(pending, free):
                record["number"] = number
                taken.add(number)
            assigned += min(len(pending), len(free))
            pending = pending[len(free):]
    return assigned


@transaction.atomic
def asset_bulk_register(*, actor, records: Sequence[dict[str, Any]], batch_size: int = 2000,
                        progress: Callable[[int], None] | None = None) -> BulkRegistered:
    """Register many asset cards at once. ``records`` are validated: name, original_value
    (Decimal), acquired_on (date), optional number, category, spec, department,
    location, custodian (a member of this unit, or None)."""
    if not all(actor.has_perm(p) for p in IMPORT_PERMISSIONS):
        raise PermissionDenied(_("Only the asset officer may import asset cards."))
    numbers_assigned = _assign_numbers(records)
    content_type = ContentType.objects.get_for_model(Asset)
    perms = [Permission.objects.get(content_type=content_type, codename=p.split(".", 1)[1]) for p in CUSTODIAN_PERMS]
    created = 0
    custodians: set[int] = set()
    total = Decimal("0.00")
    first_number = last_number = ""
    for start in range(0, len(records), batch_size):
        batch = [
            Asset(number=r["number"], name=r["name"], category=r.get("category") or "", spec=r.get("spec") or "",
                  original_value=r["original_value"], acquired_on=r["acquired_on"],
                  department=r.get("department") or "", location=r.get("location") or "",
                  custodian_id=r["custodian"].pk if r.get("custodian") else None)
            for r in records[start:start + batch_size]
        ]
        Asset.objects.bulk_create(batch)  # PostgreSQL returns the new ids
        # The same rows guardian's bulk_assign_perm writes, built directly: the assets are
        # new, so its per-user lookup of existing grants would find nothing.
        grants = [UserObjectPermission(permission=perm, user_id=a.custodian_id, content_type=content_type,
                                       object_pk=str(a.pk))
                  for a in batch if a.custodian_id for perm in perms]
        UserObjectPermission.objects.bulk_create(grants, batch_size=batch_size * 2)
        for a in batch:
            total += a.original_value
            if a.custodian_id:
                custodians.add(a.custodian_id)
        first_number = first_number or batch[0].number
        last_number = batch[-1].number
        created += len(batch)
        if progress:
            progress(created)
    result = BulkRegistered(assets=created, numbers_assigned=numbers_assigned, first_number=first_number,
                            last_number=last_number, custodians=len(custodians), total_original_value=total)
    audit_record(action="assets.asset.import", actor=actor, object_type="assets.Asset",
                 object_repr=f"{created} asset cards", after=result.__dict__)
    return result


class AssetImport(ImportDefinition):
    key = "assets.asset"
    module_key = "assets"
    name_zh = "资产卡片"
    name_en = "Asset cards"
    permissions = IMPORT_PERMISSIONS
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

    def commit(self, *, actor, records, progress) -> CommitResult:
        result = asset_bulk_register(actor=actor, records=records, batch_size=self.batch_size, progress=progress)
        return CommitResult(created=result.assets, detail={
            "first_number": result.first_number, "last_number": result.last_number,
            "numbers_assigned": result.numbers_assigned, "custodians": result.custodians,
            "total_original_value": str(result.total_original_value)})


register_import(AssetImport())
