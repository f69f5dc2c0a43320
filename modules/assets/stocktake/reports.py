"""盘点差异表 (discrepancy report) as a numbered PDF from the report worker: shortages,
surpluses, location and custodian mismatches with their totals by value — the sheet a unit
posts for the public notice (公示) and files with the adjustment. Built from the selectors as
the requester: a person gets it only for a campaign they may read."""
from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from zhengtong.reports.content import Column, TableReport, money

from . import selectors


class CampaignParameters(forms.Form):
    campaign = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def discrepancy_report(*, user, params: dict) -> TableReport:
    try:
        campaign = selectors.campaign_get(user=user, pk=int(params["campaign"]))
    except (Http404, KeyError, ValueError, TypeError):
        # The worker records the failure; the message names no other campaign.
        raise PermissionDenied("stocktake not visible to the requester") from None
    d = selectors.discrepancies(campaign)
    rows = []
    for ln in d.shortages:
        rows.append(("盘亏", ln.number, ln.name, f"{ln.location or '—'} / {ln.custodian_name or '—'}", "未找到",
                     money(ln.original_value), money(ln.net_value)))
    for s in d.surpluses:
        holder = s.custodian.get_short_name() if s.custodian_id else "—"
        rows.append(("盘盈", "—", f"{s.name} {s.spec}".strip(), "—", f"{s.location or '—'} / {holder}",
                     money(s.estimated_value), money(s.estimated_value)))
    for ln in d.mismatched_lines:
        found_at = ln.actual_location if ln.location_mismatch else ln.location
        found_with = ln.actual_custodian.get_short_name() if ln.custodian_mismatch else ln.custodian_name
        rows.append(("地点/使用人不符", ln.number, ln.name, f"{ln.location or '—'} / {ln.custodian_name or '—'}",
                     f"{found_at or '—'} / {found_with or '—'}", money(ln.original_value), money(ln.net_value)))
    for ln in d.uncounted:
        rows.append(("未盘点", ln.number, ln.name, f"{ln.location or '—'} / {ln.custodian_name or '—'}", "—",
                     money(ln.original_value), money(ln.net_value)))
    t = d
    summary = [
        ("账面资产", f"{t.books.count}项，原值{money(t.books.original_value)}元，净值{money(t.books.net_value)}元"),
        ("盘亏", f"{t.shortage_totals.count}项，原值{money(t.shortage_totals.original_value)}元，"
                 f"净值{money(t.shortage_totals.net_value)}元"),
        ("盘盈", f"{t.surplus_totals.count}项，评估价值{money(t.surplus_totals.original_value)}元"),
        ("地点/使用人不符", f"{t.mismatch_totals.count}项，原值{money(t.mismatch_totals.original_value)}元"),
    ]
    if campaign.notice_ends_at:
        summary.append(("公示期", f"{timezone.localtime(campaign.published_at):%Y-%m-%d}至"
                                  f"{timezone.localtime(campaign.notice_ends_at):%Y-%m-%d %H:%M}"))
    return TableReport(
        title="资产清查盘点差异表",
        subtitle=f"{campaign.title} · 账面快照{timezone.localtime(campaign.started_at):%Y-%m-%d %H:%M} · "
                 f"已盘点{d.books.count - len(d.uncounted)}/{d.books.count}",
        columns=[Column("差异类型", 12), Column("资产编号", 14), Column("资产名称", 16),
                 Column("账面地点/使用人", 18), Column("实际地点/使用人", 18), Column("原值（元）", 11, "right"),
                 Column("净值（元）", 11, "right")],
        rows=rows or [("—", "—", "账实相符，无差异", "—", "—", "—", "—")],
        totals=["合计（盘亏）", "", f"{t.shortage_totals.count}项", "", "", money(t.shortage_totals.original_value),
                money(t.shortage_totals.net_value)],
        summary=summary,
    )
