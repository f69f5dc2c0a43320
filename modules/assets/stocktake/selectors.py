"""Reads of stocktake campaigns, filtered by who may see them.

The asset officer and the unit administrator see every campaign; a counter sees the
campaigns they count; every other member of the unit sees a campaign once its results are
published (内部公示: the whole unit may read and object) — not while counting goes on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from .models import Campaign, StocktakeLine, SurplusItem
from .services import (
    can_adjust,
    can_answer,
    can_close,
    can_count,
    can_manage,
    can_object,
    can_publish,
    can_set_counters,
    is_counter,
)

ZERO = Decimal("0.00")
# The QR on a label holds the card's URL on the unit's host: …/m/assets/<pk>/
LABEL_URL = re.compile(r"/m/assets/(\d+)/?(?:[?#].*)?$")


def campaign_list(*, user) -> QuerySet[Campaign]:
    qs = Campaign.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if not can_manage(user):
        qs = qs.filter(Q(counters=user) | ~Q(status=Campaign.Status.COUNTING)).distinct()
    return qs.order_by("-started_at", "-pk")


def campaign_get(*, user, pk: int) -> Campaign:
    """A campaign the user may read, or 404 (not 403: do not confirm it exists)."""
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None or not can_read(user, campaign):
        raise Http404
    return campaign


def can_read(user, campaign: Campaign) -> bool:
    return user.is_authenticated and (can_manage(user) or campaign.status != Campaign.Status.COUNTING
                                      or is_counter(user, campaign))


def counting_campaign_get(*, user, pk: int) -> Campaign:
    """A campaign the user counts (404 for anyone else, managers included: counting is the
    counters' own record)."""
    campaign = Campaign.objects.filter(pk=pk, counters=user).first() if user.is_authenticated else None
    if campaign is None:
        raise Http404
    return campaign


class ForeignLabel(Exception):
    """A label of another unit was scanned: its card id means nothing here (ids repeat)."""


def line_search(*, campaign: Campaign, q: str, hosts=(), limit: int = 20) -> list[StocktakeLine]:
    """Lines matching a scanned label (its URL names the card) or a typed number/name.

    ``hosts`` are this unit's host names: a label URL naming another host is another unit's
    card and raises ForeignLabel instead of matching this unit's card with the same id.
    """
    q = (q or "").strip()
    if not q:
        return []
    lines = campaign.lines.select_related("custodian", "actual_custodian")
    m = LABEL_URL.search(q)
    if m:
        host = urlsplit(q).hostname if "://" in q else None
        if host and hosts and host.lower() not in {h.lower() for h in hosts}:
            raise ForeignLabel(host)
        return list(lines.filter(asset_id=int(m.group(1))))
    exact = list(lines.filter(number__iexact=q))
    if exact:
        return exact
    return list(lines.filter(Q(number__icontains=q) | Q(name__icontains=q)).order_by("number")[:limit])


def pending_lines(*, campaign: Campaign, limit: int = 30) -> list[StocktakeLine]:
    """Cards not counted yet, room by room (the order a counter walks), for counting without a
    scanner."""
    return list(campaign.lines.filter(result=StocktakeLine.Result.PENDING).order_by("location", "number")[:limit])


def progress(campaign: Campaign) -> dict[str, int]:
    figures = campaign.lines.aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(result=StocktakeLine.Result.PENDING)))
    figures["counted"] = figures["total"] - figures["pending"]
    return figures


@dataclass
class Totals:
    count: int = 0
    original_value: Decimal = ZERO
    net_value: Decimal = ZERO

    def add(self, original: Decimal, net: Decimal) -> None:
        self.count += 1
        self.original_value += original
        self.net_value += net


@dataclass
class Discrepancies:
    """What the count found against the snapshot of the books."""

    shortages: list[StocktakeLine] = field(default_factory=list)  # 盘亏: on the books, not found
    surpluses: list[SurplusItem] = field(default_factory=list)  # 盘盈: found, on no card
    location_mismatches: list[StocktakeLine] = field(default_factory=list)
    custodian_mismatches: list[StocktakeLine] = field(default_factory=list)
    uncounted: list[StocktakeLine] = field(default_factory=list)
    shortage_totals: Totals = field(default_factory=Totals)
    surplus_totals: Totals = field(default_factory=Totals)  # estimated value (no depreciation yet)
    mismatch_totals: Totals = field(default_factory=Totals)  # cards with a location and/or custodian mismatch
    books: Totals = field(default_factory=Totals)  # the whole snapshot
    found: Totals = field(default_factory=Totals)
    damaged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.shortages or self.surpluses or self.location_mismatches or self.custodian_mismatches)

    @property
    def count(self) -> int:
        return len(self.shortages) + len(self.surpluses) + len(self.mismatched_lines)

    @property
    def mismatched_lines(self) -> list[StocktakeLine]:
        seen = {ln.pk: ln for ln in self.location_mismatches}
        seen.update({ln.pk: ln for ln in self.custodian_mismatches})
        return sorted(seen.values(), key=lambda ln: ln.number)


def discrepancies(campaign: Campaign) -> Discrepancies:
    d = Discrepancies()
    for line in campaign.lines.select_related("custodian", "actual_custodian").order_by("number"):
        d.books.add(line.original_value, line.net_value)
        if line.result == StocktakeLine.Result.PENDING:
            d.uncounted.append(line)
            continue
        if line.result == StocktakeLine.Result.NOT_FOUND:
            d.shortages.append(line)
            d.shortage_totals.add(line.original_value, line.net_value)
            continue
        d.found.add(line.original_value, line.net_value)
        if line.condition in (StocktakeLine.Condition.DAMAGED, StocktakeLine.Condition.UNUSABLE):
            d.damaged += 1
        if line.location_mismatch:
            d.location_mismatches.append(line)
        if line.custodian_mismatch:
            d.custodian_mismatches.append(line)
        if line.location_mismatch or line.custodian_mismatch:
            d.mismatch_totals.add(line.original_value, line.net_value)
    for item in campaign.surpluses.select_related("custodian").order_by("pk"):
        d.surpluses.append(item)
        d.surplus_totals.add(item.estimated_value, item.estimated_value)
    return d


def role_holder_ids(role_key: str) -> set[int]:
    """Active members of the current unit holding ``role_key``."""
    from tenant_users.permissions.models import UserTenantPermissions

    from zhengtong.accounts.models import User

    ids = list(UserTenantPermissions.objects.filter(groups__name=role_key).values_list("profile_id", flat=True))
    return set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def unit_people():
    """Members of the current unit (to pick counters and custodians from)."""
    from tenant_users.permissions.models import UserTenantPermissions

    from zhengtong.accounts.models import User

    ids = list(UserTenantPermissions.objects.values_list("profile_id", flat=True))
    return User.objects.filter(pk__in=ids, is_active=True, is_system=False).order_by("name", "email")


@dataclass
class CampaignFigures:
    """What the district sees of a unit's campaign: figures only, no asset contents."""

    title: str
    status: str
    status_label: str
    deadline: object
    total: int
    counted: int
    shortages: int
    surpluses: int
    mismatches: int
    shortage_value: Decimal
    overdue: bool  # still counting after its deadline


def campaign_figures(*, limit: int = 5) -> list[CampaignFigures]:
    """The unit's latest campaigns as figures (for the district progress page), in a few
    queries whatever the number of lines."""
    campaigns = list(Campaign.objects.order_by("-started_at", "-pk")[:limit])
    if not campaigns:
        return []
    R = StocktakeLine.Result
    mismatch = (Q(result__in=(R.FOUND, R.ELSEWHERE))
                & ((~Q(actual_location="") & ~Q(actual_location=F("location")))
                   | (Q(actual_custodian__isnull=False) & (Q(custodian__isnull=True)
                                                           | ~Q(actual_custodian=F("custodian"))))))
    per = {r["campaign"]: r for r in StocktakeLine.objects.filter(campaign__in=campaigns).values("campaign").annotate(
        total=Count("pk"), counted=Count("pk", filter=~Q(result=R.PENDING)),
        shortages=Count("pk", filter=Q(result=R.NOT_FOUND)),
        shortage_value=Sum("original_value", filter=Q(result=R.NOT_FOUND)),
        mismatches=Count("pk", filter=mismatch))}
    surpluses = dict(SurplusItem.objects.filter(campaign__in=campaigns).values("campaign")
                     .annotate(n=Count("pk")).values_list("campaign", "n"))
    today = timezone.localdate()
    out = []
    for c in campaigns:
        r = per.get(c.pk, {})
        out.append(CampaignFigures(title=c.title, status=c.status, status_label=c.get_status_display(),
                                   deadline=c.deadline, total=r.get("total", 0), counted=r.get("counted", 0),
                                   shortages=r.get("shortages", 0), surpluses=surpluses.get(c.pk, 0),
                                   mismatches=r.get("mismatches", 0),
                                   shortage_value=r.get("shortage_value") or ZERO,
                                   overdue=c.status == Campaign.Status.COUNTING and c.deadline < today))
    return out


def actions_for(user, campaign: Campaign) -> set[str]:
    """What ``user`` may do with the campaign now — "count", "counters", "publish", "object",
    "answer", "close", "adjust" — as the services' guards decide; its page offers these only."""
    guards = {"count": can_count, "counters": can_set_counters, "publish": can_publish, "object": can_object,
              "answer": can_answer, "close": can_close, "adjust": can_adjust}
    return {action for action, guard in guards.items() if guard(campaign, user) is None}
