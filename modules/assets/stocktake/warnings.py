"""Deadline warnings of stocktake campaigns: the counters and the asset officers hear once as
a counting deadline approaches and once when it has passed (run by tasks.stocktake_deadline_warnings)."""
from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from zhengtong.audit.services import audit_record

from ..manifest import ASSET_OFFICER
from .models import Campaign, DeadlineWarning, StocktakeLine

# "Deadline approaching" is said this many days before the counting deadline.
WARN_DAYS_BEFORE = 3


def deadline_warnings_issue(*, today: date | None = None) -> int:
    """Warn the counters and the asset officers once per campaign and threshold: the
    deadline is ``WARN_DAYS_BEFORE`` days away or nearer ("approaching"), or has passed
    ("passed"), while counting goes on. Idempotent: a DeadlineWarning row per threshold."""
    from django.urls import reverse

    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    from .selectors import role_holder_ids

    today = today or timezone.localdate()
    unit = current_unit()
    issued = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.COUNTING,
                                            deadline__lte=today + timedelta(days=WARN_DAYS_BEFORE)):
        threshold = "passed" if campaign.deadline < today else "approaching"
        with transaction.atomic():
            _, created = DeadlineWarning.objects.get_or_create(campaign=campaign, threshold=threshold)
            if not created:
                continue
            counted = campaign.lines.exclude(result=StocktakeLine.Result.PENDING).count()
            total = campaign.lines.count()
            if threshold == "passed":
                title = f"资产清查“{campaign.title}”已超过截止日期{campaign.deadline}（已盘点{counted}/{total}）"
                title_en = (f"Stocktake “{campaign.title}” passed its deadline {campaign.deadline} "
                            f"({counted}/{total} counted)")
                kind = Notification.Kind.DEADLINE_OVERDUE
            else:
                title = f"资产清查“{campaign.title}”将于{campaign.deadline}截止（已盘点{counted}/{total}）"
                title_en = f"Stocktake “{campaign.title}” is due on {campaign.deadline} ({counted}/{total} counted)"
                kind = Notification.Kind.DEADLINE_APPROACHING
            recipients = set(campaign.counters.values_list("pk", flat=True)) | role_holder_ids(ASSET_OFFICER)
            path = reverse("assets:stocktake:detail", args=[campaign.pk], urlconf="zhengtong.urls_tenant")
            notify(recipients=recipients, kind=kind, title=title, title_en=title_en,
                   url=unit_url(unit, path) if unit else "", unit=unit,
                   dedupe_key=f"stocktake:{getattr(unit, 'schema_name', '')}:{campaign.pk}:{threshold}")
            audit_record(action="assets.stocktake.deadline_warning", actor=None, obj=campaign,
                         after={"threshold": threshold, "deadline": campaign.deadline.isoformat(),
                                "counted": counted, "total": total})
            issued += 1
    return issued
