"""Reacting to personnel's PERSON_LEAVING_POST (zhengtong.registry.handover): a counter of a
stocktake still being counted is leaving their post. Their counting is a personal assignment
the asset officer made, so the officer is told (once per person, campaign and date) which
campaigns lose a counter and decides who takes over (the counters form on the campaign page);
nothing is removed behind the officer's back — an internal move may well leave the person
able to finish counting."""
from __future__ import annotations

from django.urls import reverse

from ..manifest import ASSET_OFFICER
from .models import Campaign


def on_person_leaving_post(*, user_id: int | None = None, person_name: str = "", reason: str = "",
                           effective_date=None, **_payload) -> int:
    from zhengtong.audit.services import audit_record
    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    from .selectors import role_holder_ids

    if user_id is None:
        return 0
    unit = current_unit()
    officers = role_holder_ids(ASSET_OFFICER) - {user_id}
    told = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.COUNTING, counters=user_id).order_by("pk"):
        others = campaign.counters.exclude(pk=user_id).count()
        when = f"（{effective_date}）" if effective_date else ""
        need = "，本次清查已无其他盘点人，请指定新的盘点人" if not others else "，请确认是否调整盘点人"
        need_en = ", and no other counter is left: assign one" if not others else "; check the counters"
        path = reverse("assets:stocktake:detail", args=[campaign.pk], urlconf="zhengtong.urls_tenant")
        created = notify(recipients=officers, kind=Notification.Kind.MODULE_WARNING, unit=unit,
                         title=f"盘点人{person_name}离岗{when}：清查“{campaign.title}”{need}",
                         title_en=f"Counter {person_name} leaves their post{when}: "
                                  f"stocktake “{campaign.title}”{need_en}",
                         body=reason, url=unit_url(unit, path) if unit else "",
                         dedupe_key=f"stocktake:{getattr(unit, 'schema_name', '')}:{campaign.pk}:leaving:{user_id}:"
                                    f"{effective_date or ''}")
        if created:
            audit_record(action="assets.stocktake.counter_leaving", actor=None, obj=campaign,
                         after={"counter": user_id, "other_counters": others, "reason": reason,
                                "effective_date": str(effective_date or "")})
        told += 1
    return told
