"""Warnings and turn notices of the assets module (zhengtong.notifications).

Turn notices: whoever's turn it is in a quota negotiation, an over-quota request or a
budget declaration hears of it — the district finance bureau on the district portal, the
unit's asset officers on the unit portal (``tell_bureau`` / ``tell_unit``).

Warnings to the unit's asset officers:

* quota exceeded — the books hold more of a class than its approved quota for this year;
* depreciation run failed — the monthly job could not book a unit's depreciation; the
  error is recorded in the unit's audit trail and the job goes on with the other units.

Both run from periodic jobs, daily: a dedupe key makes each warning reach a person once
(per quota figure; per unit and month for a failed run), however often the job runs.
"""
from __future__ import annotations

import logging
from datetime import date

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_record

from .manifest import ASSET_OFFICER
from .models import QuotaItem
from .quotas import current_stock

logger = logging.getLogger(__name__)


def _officer_ids() -> list[int]:
    from tenant_users.permissions.models import UserTenantPermissions

    return list(UserTenantPermissions.objects.filter(groups__name=ASSET_OFFICER)
                .values_list("profile_id", flat=True).distinct())


def _notify(*, title: str, title_en: str, body: str, body_en: str, path: str, dedupe_key: str) -> int:
    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    unit = current_unit()
    created = notify(recipients=_officer_ids(), kind=Notification.Kind.MODULE_WARNING, title=title,
                     title_en=title_en, body=body, body_en=body_en, unit=unit,
                     url=unit_url(unit, path) if unit else path, dedupe_key=dedupe_key)
    return len(created)


def _path(name: str) -> str:
    return reverse(name, urlconf="zhengtong.urls_tenant")


def quota_over_check(*, year: int | None = None) -> list[QuotaItem]:
    """Warn the asset officers of every approved quota of ``year`` (default: this year)
    that the books exceed. Returns the items over quota (warned now or before)."""
    year = year or timezone.localdate().year
    over = []
    for item in QuotaItem.objects.select_related("asset_class").filter(
            year=year, approved_quantity__isnull=False).exclude(status=QuotaItem.Status.OPEN):
        stock = current_stock(item.asset_class)
        if stock <= item.approved_quantity:
            continue
        over.append(item)
        n = f"{stock.normalize():f}"
        _notify(title=f"超出配置定额：{item.asset_class.name}（{year}年定额 {item.approved_quantity}，在册 {n}）",
                title_en=f"Over the allocation quota: {item.asset_class.name} "
                         f"({year} quota {item.approved_quantity}, {n} on the books)",
                body="请核实在册资产，必要时处置闲置资产或申请调整定额。",
                body_en="Check the books; dispose of idle assets or apply for a quota change if needed.",
                path=_path("assets:quotas"),
                # Once per approved figure: a new figure that is still exceeded warns again.
                dedupe_key=f"assets.quota_over:{connection.schema_name}:{item.pk}:{item.approved_quantity}")
    return over


def depreciation_failed(*, error: BaseException, month: date) -> None:
    """Record a failed depreciation run in the unit's audit trail and warn its asset officers."""
    detail = f"{type(error).__name__}: {error}"[:1000]
    audit_record(action="assets.depreciation.run", result=AuditEvent.Result.FAILURE,
                 object_type="assets.Asset", object_repr=f"{month:%Y-%m}", detail=detail)
    _notify(title=f"{month:%Y年%m月}资产折旧计提失败",
            title_en=f"The depreciation run for {month:%Y-%m} failed",
            body=f"本单位的折旧未能计提，卡片上的累计折旧和净值仍是上次的数字。错误：{detail}",
            body_en=f"This unit's depreciation was not booked; cards show the previous figures. Error: {detail}",
            path=_path("assets:list"),
            dedupe_key=f"assets.depreciation_failed:{connection.schema_name}:{month:%Y-%m}")


def depreciation_run_reported(*, through: date | None = None) -> int | None:
    """The monthly run for the current unit; a failure is recorded and reported instead of
    raised, so the job carries on for the other units (each unit is its own task). The
    run itself is atomic: a failure leaves the unit's figures as they were."""
    from .depreciation import depreciation_run

    month = (through or timezone.localdate()).replace(day=1)
    try:
        return depreciation_run(through=through)
    except Exception as exc:  # noqa: BLE001 — whatever broke, the officers must know
        logger.exception("depreciation run failed in %s", connection.schema_name)
        depreciation_failed(error=exc, month=month)
        return None


# ----------------------------------------------------------------------------- turn notices


def _bureau_ids() -> list[int]:
    from django_tenants.utils import schema_context
    from tenant_users.permissions.models import UserTenantPermissions

    from zhengtong.registry.registry import DISTRICT_FINANCE

    with schema_context("public"):  # district roles are groups in the public schema
        return list(UserTenantPermissions.objects.filter(groups__name=DISTRICT_FINANCE)
                    .values_list("profile_id", flat=True).distinct())


def tell_bureau(*, title: str, title_en: str, view: str, dedupe_key: str, args: tuple = ()) -> int:
    """Tell the finance bureau that something of the current unit waits for it; the link
    opens the bureau's page for this unit on the district portal."""
    from zhengtong.core.hosts import district_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    unit = current_unit()
    if unit is None:
        return 0
    path = reverse(view, args=(unit.slug, *args), urlconf="zhengtong.urls_public")
    created = notify(recipients=_bureau_ids(), kind=Notification.Kind.APPROVAL_WAITING,
                     title=f"{unit.name}：{title}", title_en=f"{unit.name}: {title_en}", unit=None,
                     url=district_url(path), dedupe_key=f"{dedupe_key}:{connection.schema_name}")
    return len(created)


def tell_unit(*, title: str, title_en: str, view: str, dedupe_key: str, args: tuple = ()) -> int:
    """Tell the current unit's asset officers that the bureau has answered."""
    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    unit = current_unit()
    if unit is None:
        return 0
    path = reverse(view, args=args, urlconf="zhengtong.urls_tenant")
    created = notify(recipients=_officer_ids(), kind=Notification.Kind.REQUEST_DECIDED, title=title,
                     title_en=title_en, unit=unit, url=unit_url(unit, path),
                     dedupe_key=f"{dedupe_key}:{connection.schema_name}")
    return len(created)
