"""Writes of stocktake campaigns: keyword-only, atomic, audited.

Who may do what (checked here, not only in the views):
- the asset officer (资产专管员) and the unit administrator start, publish and answer;
- only the counters assigned to a campaign record counts and surpluses, while it is counting;
- any member of the unit may object while the results are in public notice;
- the book adjustments go through the approval engine (type ``assets.stocktake_adjustment``,
  modules/assets/stocktake/approvals.py) and are applied by ``adjustments_apply`` when the
  last step approves — never before the notice period is over.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from ..manifest import ASSET_OFFICER
from ..models import Asset, Category
from .models import Campaign, Objection, StocktakeLine, SurplusItem

UNIT_ADMIN = "platform.unit_admin"
ADJUSTMENT = "assets.stocktake_adjustment"
REFUSED = "assets.stocktake.refused"  # every refused write of a stocktake, in the audit trail
CAMPAIGN = "assets_stocktake.Campaign"


def can_manage(user) -> bool:
    return user.is_authenticated and user.has_role(ASSET_OFFICER, UNIT_ADMIN)


def is_counter(user, campaign: Campaign) -> bool:
    return user.is_authenticated and campaign.counters.filter(pk=user.pk).exists()


def unit_member_ids(ids) -> set[int]:
    """Which of ``ids`` belong to the current unit (their per-unit permission row lives in
    this schema — the same test django-tenant-users' middleware applies to requests)."""
    from tenant_users.permissions.models import UserTenantPermissions

    return set(UserTenantPermissions.objects.filter(profile_id__in=list(ids)).values_list("profile_id", flat=True))


def _not_manager(user) -> Refused | None:
    if not can_manage(user):
        return Refused(_("Only the asset officer or the unit administrator may do this "
                         "(只有资产专管员或单位管理员可以进行此操作)."))
    return None


# --- the transitions' guards: each says why ``user`` may not take it now (the refusal the service
# raises), or None; selectors.actions_for offers on the campaign's page exactly the ones that say None.
# Time-bound conditions (the notice period, unanswered objections) are not offered away: the page
# keeps the button and the service says until when.

def _counting_ended(campaign: Campaign) -> Invalid | None:
    if campaign.status != Campaign.Status.COUNTING:
        return Invalid(_("Counting of this stocktake has ended (本次清查已结束盘点)."))
    return None


def _not_published(campaign: Campaign) -> Invalid | None:
    if campaign.status == Campaign.Status.COUNTING:
        return Invalid(_("Publish the results first: book adjustments follow the public notice "
                         "(清查结果须先公示，公示期满后方可调账)."), code="not_published")
    if campaign.status != Campaign.Status.PUBLISHED:
        return Invalid(_("The adjustments of this stocktake are already in approval or done "
                         "(本次清查的调账已在审批中或已完成)."), code="not_published")
    return None


def can_count(campaign: Campaign, user) -> Refused | Invalid | None:
    """Record counts and surpluses: the campaign's counters, while it is counting."""
    if not is_counter(user, campaign):
        return Refused(_("You are not a counter of this stocktake (您不是本次清查的盘点人)."))
    return _counting_ended(campaign)


def can_set_counters(campaign: Campaign, user) -> Refused | Invalid | None:
    return _not_manager(user) or _counting_ended(campaign)


def can_publish(campaign: Campaign, user) -> Refused | Invalid | None:
    """End counting and publish the results (counting → published)."""
    if refusal := _not_manager(user):
        return refusal
    if campaign.status != Campaign.Status.COUNTING:
        return Invalid(_("This stocktake has already been published (本次清查结果已公示)."))
    return None


def can_object(campaign: Campaign, user) -> Refused | Invalid | None:
    """Any member of the unit, while the results are in public notice."""
    if not unit_member_ids([user.pk]):
        return Refused(_("Only members of this unit may object (只有本单位成员可以提出异议)."))
    if not notice_open(campaign):
        return Invalid(_("Objections are taken only during the public notice period "
                         "(只能在公示期内提出异议)."))
    return None


def can_close(campaign: Campaign, user) -> Refused | Invalid | None:
    """End a published stocktake whose count matched the books (published → closed)."""
    from .selectors import discrepancies

    if refusal := _not_manager(user) or _not_published(campaign):
        return refusal
    if discrepancies(campaign).any:
        return Invalid(_("The count differs from the books: submit the book adjustments for approval "
                         "(账实不符，须提交调账审批)."), code="discrepancies")
    return None


def can_adjust(campaign: Campaign, user) -> Refused | Invalid | None:
    """Send the book adjustments of a published stocktake into approval (published → in approval)."""
    from .selectors import discrepancies

    if refusal := _not_manager(user) or _not_published(campaign):
        return refusal
    if not discrepancies(campaign).any:
        return _nothing_to_adjust()
    return None


def can_answer(campaign: Campaign, user) -> Refused | None:
    """Answer the objections raised to the campaign's results."""
    return _not_manager(user)


def _nothing_to_adjust() -> Invalid:
    return Invalid(_("The count matches the books: there is nothing to adjust (账实相符，无需调账)."),
                   code="nothing_to_adjust")


def _lock(campaign: Campaign | int) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=getattr(campaign, "pk", campaign))


def _in_scope(class_codes, departments):
    qs = Asset.objects.exclude(status=Asset.Status.DISPOSED)
    if class_codes:
        # A class covers its subclasses: GB/T 14885 codes are hierarchical by prefix.
        q = Q()
        for code in class_codes:
            q |= Q(asset_class__code__startswith=code)
        qs = qs.filter(q)
    if departments:
        qs = qs.filter(department__in=departments)
    return qs


@audited_refusal(REFUSED, object_type=CAMPAIGN)
@transaction.atomic
def campaign_start(*, actor, title: str, deadline: date, counters, class_codes=(), departments=()) -> Campaign:
    """Create a campaign and freeze the snapshot of the books in scope, in one transaction
    (a card registered a moment later is not in this campaign; it would be a surplus)."""
    if refusal := _not_manager(actor):
        raise refusal
    title = (title or "").strip()
    if not title:
        raise Invalid(_("Give the campaign a title (请填写清查名称)."))
    if deadline < timezone.localdate():
        raise Invalid(_("The deadline cannot be in the past (截止日期不能早于今天)."))
    counter_ids = {getattr(c, "pk", c) for c in counters}
    if not counter_ids:
        raise Invalid(_("Assign at least one counter (请至少指定一名盘点人)."))
    if unit_member_ids(counter_ids) != counter_ids:
        raise Invalid(_("Counters must be members of this unit (盘点人必须是本单位成员)."))
    class_codes = sorted({c.strip() for c in class_codes if c and c.strip()})
    unknown = set(class_codes) - set(Category.objects.filter(code__in=class_codes).values_list("code", flat=True))
    if unknown:
        raise Invalid(_("Unknown asset class %(c)s (资产分类不存在).") % {"c": ", ".join(sorted(unknown))})
    departments = sorted({d.strip() for d in departments if d and d.strip()})
    campaign = Campaign.objects.create(title=title, deadline=deadline, created_by=actor,
                                       scope_all=not (class_codes or departments), scope_class_codes=class_codes,
                                       scope_departments=departments)
    campaign.counters.set(counter_ids)
    # One query: PostgreSQL reads it as one consistent snapshot of the books, whatever is
    # being saved meanwhile (a card committed after it is not in this campaign).
    rows = _in_scope(class_codes, departments).select_related("asset_class", "custodian").order_by("number")
    lines = [StocktakeLine(campaign=campaign, asset_id=a.pk, number=a.number, name=a.name,
                           class_code=a.asset_class.code if a.asset_class else "",
                           class_name=a.asset_class.name if a.asset_class else a.category,
                           location=a.location, custodian=a.custodian,
                           custodian_name=a.custodian.get_short_name() if a.custodian else "",
                           department=a.department, original_value=a.original_value, net_value=a.net_value)
             for a in rows]
    StocktakeLine.objects.bulk_create(lines, batch_size=1000)
    audit_record(action="assets.stocktake.start", actor=actor, obj=campaign,
                 after={"title": title, "deadline": deadline.isoformat(), "classes": class_codes,
                        "departments": departments, "counters": sorted(counter_ids), "lines": len(lines),
                        "original_value": str(sum((ln.original_value for ln in lines), Decimal("0.00")))})
    return campaign


@audited_refusal(REFUSED, obj_arg="campaign", object_type=CAMPAIGN)
@transaction.atomic
def counters_set(*, actor, campaign: Campaign | int, counters) -> Campaign:
    """Change who counts while counting goes on (someone is away, or leaves the unit); what
    a counter has already recorded stays, with their name on it."""
    campaign = _lock(campaign)
    if refusal := can_set_counters(campaign, actor):
        raise refusal
    ids = {getattr(c, "pk", c) for c in counters}
    if not ids:
        raise Invalid(_("Assign at least one counter (请至少指定一名盘点人)."))
    if unit_member_ids(ids) != ids:
        raise Invalid(_("Counters must be members of this unit (盘点人必须是本单位成员)."))
    before = sorted(campaign.counters.values_list("pk", flat=True))
    if before == sorted(ids):
        return campaign
    campaign.counters.set(ids)
    audit_record(action="assets.stocktake.counters", actor=actor, obj=campaign, before={"counters": before},
                 after={"counters": sorted(ids)})
    return campaign


@audited_refusal(REFUSED, obj_arg="line", object_type="assets_stocktake.StocktakeLine")
@transaction.atomic
def line_count(*, actor, line: StocktakeLine | int, result: str, actual_location: str = "",
               actual_custodian=None, condition: str = "", note: str = "") -> StocktakeLine:
    """Record what a counter found for one card (again, if they correct themselves)."""
    line = StocktakeLine.objects.select_for_update().select_related("campaign").get(pk=getattr(line, "pk", line))
    if refusal := can_count(line.campaign, actor):
        raise refusal
    if result not in (StocktakeLine.Result.FOUND, StocktakeLine.Result.NOT_FOUND, StocktakeLine.Result.ELSEWHERE):
        raise Invalid(_("Choose found, not found or found elsewhere (请选择在账已找到、未找到或异地找到)."))
    actual_location = (actual_location or "").strip()
    if result == StocktakeLine.Result.ELSEWHERE and not actual_location:
        raise Invalid(_("Say where it was found (异地找到须填写实际存放地点)."))
    if condition and condition not in StocktakeLine.Condition.values:
        raise Invalid(_("Unknown condition (未知的资产状况)."))
    if actual_custodian is not None and not unit_member_ids([getattr(actual_custodian, "pk", actual_custodian)]):
        raise Invalid(_("The custodian must be a member of this unit (使用人必须是本单位成员)."))
    before = {"result": line.result, "actual_location": line.actual_location,
              "actual_custodian": line.actual_custodian_id, "condition": line.condition}
    if result == StocktakeLine.Result.NOT_FOUND:
        actual_location, actual_custodian, condition = "", None, ""
    line.result = result
    line.actual_location = actual_location
    line.actual_custodian_id = getattr(actual_custodian, "pk", actual_custodian)
    line.condition = condition
    line.note = (note or "").strip()[:500]
    line.counted_by = actor
    line.counted_at = timezone.now()
    line.save()
    after = {"result": line.result, "actual_location": line.actual_location,
             "actual_custodian": line.actual_custodian_id, "condition": line.condition}
    audit_record(action="assets.stocktake.count", actor=actor, obj=line.campaign,
                 object_repr=f"{line.campaign.title} · {line.number}", before=before, after=after,
                 detail=line.number)
    return line


@audited_refusal(REFUSED, obj_arg="campaign", object_type=CAMPAIGN)
@transaction.atomic
def surplus_add(*, actor, campaign: Campaign | int, name: str, estimated_value: Decimal, class_code: str = "",
                spec: str = "", location: str = "", department: str = "", custodian=None, condition: str = "",
                note: str = "") -> SurplusItem:
    """Something found that no card records (盘盈)."""
    campaign = _lock(campaign)
    if refusal := can_count(campaign, actor):
        raise refusal
    if class_code and not Category.objects.filter(code=class_code).exists():
        raise Invalid(_("Unknown asset class %(c)s (资产分类不存在).") % {"c": class_code})
    if custodian is not None and not unit_member_ids([getattr(custodian, "pk", custodian)]):
        raise Invalid(_("The custodian must be a member of this unit (使用人必须是本单位成员)."))
    item = SurplusItem(campaign=campaign, name=(name or "").strip(), class_code=class_code, spec=spec,
                       location=location, department=department, custodian_id=getattr(custodian, "pk", custodian),
                       estimated_value=estimated_value, condition=condition, note=note, recorded_by=actor)
    item.full_clean()
    item.save()
    audit_record(action="assets.stocktake.surplus", actor=actor, obj=campaign,
                 object_repr=f"{campaign.title} · {item.name}",
                 after={"surplus": item.pk, "name": item.name, "estimated_value": str(item.estimated_value),
                        "location": item.location})
    return item


@audited_refusal(REFUSED, obj_arg="campaign", object_type=CAMPAIGN)
@transaction.atomic
def campaign_publish(*, actor, campaign: Campaign | int) -> Campaign:
    """End counting and publish the results for the unit's public notice period (rule
    ``stocktake_notice_days``; the essay: 不少于一周时间的内部公示). Every card must have
    been counted: an uncounted card is neither found nor a shortage."""
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import rules_for

    campaign = _lock(campaign)
    if refusal := can_publish(campaign, actor):
        raise refusal
    pending = campaign.lines.filter(result=StocktakeLine.Result.PENDING).count()
    if pending:
        raise Invalid(_("%(n)d assets are not counted yet; count them before publishing "
                        "(尚有%(n)d项资产未盘点，盘点完毕后才能公示).") % {"n": pending})
    days = int(rules_for(get_module("assets"))["stocktake_notice_days"])
    now = timezone.now()
    campaign.status = Campaign.Status.PUBLISHED
    campaign.published_at = now
    campaign.notice_days = days
    campaign.notice_ends_at = now + timedelta(days=days)
    campaign.save(update_fields=["status", "published_at", "notice_days", "notice_ends_at"])
    audit_record(action="assets.stocktake.publish", actor=actor, obj=campaign,
                 before={"status": Campaign.Status.COUNTING},
                 after={"status": campaign.status, "notice_days": days,
                        "notice_ends_at": campaign.notice_ends_at.isoformat()})
    _notify_members_of_notice(campaign)
    return campaign


def _notify_members_of_notice(campaign: Campaign) -> None:
    from django.urls import reverse

    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    unit = current_unit()
    if unit is None:
        return
    ends = timezone.localtime(campaign.notice_ends_at).date()
    path = reverse("assets:stocktake:report", args=[campaign.pk], urlconf="zhengtong.urls_tenant")
    notify(recipients=list(unit.user_set.filter(is_active=True).values_list("pk", flat=True)),
           kind=Notification.Kind.MODULE_WARNING, unit=unit,
           title=f"资产清查结果公示：{campaign.title}（至{ends}）",
           title_en=f"Stocktake results in public notice: {campaign.title} (until {ends})",
           body="公示期内如有异议，请在清查结果页面提出。",
           body_en="If you disagree with the results, raise an objection on the results page during the notice.",
           url=unit_url(unit, path), dedupe_key=f"stocktake:{unit.schema_name}:{campaign.pk}:published",
           email=False)


def notice_open(campaign: Campaign, now=None) -> bool:
    now = now or timezone.now()
    return campaign.status == Campaign.Status.PUBLISHED and campaign.notice_ends_at is not None \
        and now < campaign.notice_ends_at


@audited_refusal(REFUSED, obj_arg="campaign", object_type=CAMPAIGN)
@transaction.atomic
def objection_raise(*, actor, campaign: Campaign | int, text: str, line: StocktakeLine | int | None = None
                    ) -> Objection:
    campaign = _lock(campaign)
    if refusal := can_object(campaign, actor):
        raise refusal
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write what you object to (请填写异议内容)."))
    line_id = getattr(line, "pk", line)
    if line_id is not None and not campaign.lines.filter(pk=line_id).exists():
        raise Invalid(_("That asset is not in this stocktake (该资产不在本次清查范围内)."))
    objection = Objection.objects.create(campaign=campaign, line_id=line_id, text=text, raised_by=actor)
    audit_record(action="assets.stocktake.objection", actor=actor, obj=campaign,
                 after={"objection": objection.pk, "line": line_id, "text": text})
    return objection


@audited_refusal(REFUSED, obj_arg="objection", object_type="assets_stocktake.Objection")
@transaction.atomic
def objection_answer(*, actor, objection: Objection | int, answer: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("campaign").get(
        pk=getattr(objection, "pk", objection))
    if refusal := can_answer(objection.campaign, actor):
        raise refusal
    answer = (answer or "").strip()
    if not answer:
        raise Invalid(_("Write the answer (请填写答复)."))
    before = {"answer": objection.answer}
    objection.answer = answer
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    audit_record(action="assets.stocktake.objection_answer", actor=actor, obj=objection.campaign,
                 before=before, after={"objection": objection.pk, "answer": answer})
    return objection


# ------------------------------------------------------------------ adjustments


def check_adjustable(campaign: Campaign, *, now=None) -> None:
    """Why the books may not be adjusted yet, as a ValidationError (zh and en), or nothing."""
    from .selectors import discrepancies

    _check_notice_over(campaign, now=now)
    if not discrepancies(campaign).any:
        raise _nothing_to_adjust()


def _check_notice_over(campaign: Campaign, *, now=None) -> None:
    now = now or timezone.now()
    if refusal := _not_published(campaign):
        raise refusal
    if campaign.notice_ends_at is None or now < campaign.notice_ends_at:
        ends = timezone.localtime(campaign.notice_ends_at).strftime("%Y-%m-%d %H:%M")
        raise Invalid(_("The public notice runs until %(t)s; book adjustments can be submitted only "
                        "after it ends (公示期至%(t)s，公示期满后才能提交调账审批).") % {"t": ends},
                      code="notice_period")
    if campaign.objections.filter(answered_at__isnull=True).exists():
        raise Invalid(_("Answer every objection before adjusting the books "
                        "(尚有异议未答复，答复后才能调账)."), code="open_objections")


@audited_refusal(REFUSED, obj_arg="campaign", object_type=CAMPAIGN)
@transaction.atomic
def campaign_close(*, actor, campaign: Campaign | int) -> Campaign:
    """End a stocktake whose count matched the books: after the notice, with every objection
    answered, and with nothing to adjust (otherwise the adjustments go to approval)."""
    campaign = _lock(campaign)
    if refusal := can_close(campaign, actor):
        raise refusal
    _check_notice_over(campaign)
    before = campaign.status
    campaign.status = Campaign.Status.CLOSED
    campaign.save(update_fields=["status"])
    audit_record(action="assets.stocktake.close", actor=actor, obj=campaign, before={"status": before},
                 after={"status": campaign.status})
    return campaign


def adjustments_submit(*, actor, campaign: Campaign | int, reason: str = ""):
    """Send the book adjustments into approval (the engine calls the handler, which checks
    the notice period and objections again inside its own transaction)."""
    from zhengtong.approvals.services import approval_submit

    return approval_submit(type_key=ADJUSTMENT, subject_id=getattr(campaign, "pk", campaign), actor=actor,
                           reason=reason or _("Stocktake book adjustments (清查调账)"))


def campaign_status_set(*, campaign: Campaign, status: str, actor, approval_ref: str) -> None:
    """Approval hooks move the campaign along (in approval, back to published on rejection)."""
    before = campaign.status
    if before == status:
        return
    campaign.status = status
    campaign.approval_ref = approval_ref[:100]
    campaign.save(update_fields=["status", "approval_ref"])
    audit_record(action="assets.stocktake.status", actor=actor, obj=campaign, before={"status": before},
                 after={"status": status}, detail=approval_ref)


def _card_relocate(*, asset_id: int, location: str | None, custodian_id: int | None, actor, authority: str) -> None:
    """Bring a card's location/custodian in line with what the count found. The approval is
    the authority (the final approver may hold no permission on the card), as with
    asset_status_set(authority=…); custody grants follow the custodian as in asset_update."""
    from ..services import _set_custodian_grants

    asset = Asset.objects.select_for_update().get(pk=asset_id)
    before, after = {}, {}
    if location is not None and asset.location != location:
        before["location"], after["location"] = asset.location, location
        asset.location = location
    old_custodian = asset.custodian
    if custodian_id is not None and asset.custodian_id != custodian_id:
        before["custodian_id"], after["custodian_id"] = asset.custodian_id, custodian_id
        asset.custodian_id = custodian_id
    if not after:
        return
    asset.version += 1  # an editor holding the card open sees it changed (optimistic locking)
    asset.save(update_fields=["location", "custodian", "version", "updated_at"])
    if "custodian_id" in after:
        asset.refresh_from_db(fields=["custodian"])
        _set_custodian_grants(asset, old_custodian, asset.custodian)
    audit_record(action="assets.asset.stocktake_adjust", actor=actor, obj=asset, before=before, after=after,
                 detail=authority)


def _card_from_surplus(*, item: SurplusItem, actor, authority: str) -> Asset:
    """Register a surplus (盘盈) as a new card at its estimated value, acquired by stocktake."""
    from zhengtong.core.updates import snapshot

    from ..services import AUDITED_FIELDS, _set_custodian_grants, next_asset_number

    today = timezone.localdate()
    asset_class = Category.objects.filter(code=item.class_code).first() if item.class_code else None
    asset = Asset(number=next_asset_number(today.year), name=item.name, spec=item.spec,
                  category=asset_class.name if asset_class else "", asset_class=asset_class,
                  original_value=item.estimated_value, acquired_on=today, department=item.department,
                  location=item.location, custodian_id=item.custodian_id,
                  acquisition_method=Asset.AcquisitionMethod.SURPLUS)
    asset.full_clean()
    asset.save()
    if asset.custodian_id:
        _set_custodian_grants(asset, None, asset.custodian)
    audit_record(action="assets.asset.create", actor=actor, obj=asset, after=snapshot(asset, AUDITED_FIELDS),
                 detail=authority)
    return asset


@transaction.atomic
def adjustments_apply(*, campaign_id: int, actor, approval_ref: str) -> dict[str, int]:
    """Change the cards as the approved results say (called by the approval's last step):

    - shortage (盘亏): the card is written off (disposed, with the approval as its decision
      number). The essay has the unit carry out the approval itself (帐实不符的由本单位自行履行
      报批手续), and this approval is routed by value like a disposal (unit head; leadership
      between the unit head's limit and the bureau threshold; the finance bureau from it);
    - surplus (盘盈): a new card at the estimated value;
    - found elsewhere / with another custodian: the card's location and custodian follow.
    A card disposed since the snapshot, or in a disposal approval of its own (pending
    disposal), is left as it is.
    """
    from ..services import asset_status_set

    campaign = _lock(campaign_id)
    if campaign.status == Campaign.Status.ADJUSTED:
        return {}
    done = {"shortages": 0, "surpluses": 0, "relocated": 0}
    authority = f"{campaign.title} · {approval_ref}"
    existing = set(Asset.objects.filter(pk__in=campaign.lines.values("asset_id")).values_list("pk", flat=True))
    for line in campaign.lines.select_for_update().filter(applied=False).order_by("number"):
        if line.asset_id not in existing:
            continue
        if line.result == StocktakeLine.Result.NOT_FOUND:
            asset = Asset.objects.get(pk=line.asset_id)
            if asset.status in (Asset.Status.DISPOSED, Asset.Status.PENDING_DISPOSAL):
                continue
            asset_status_set(actor=actor, asset=asset, status=Asset.Status.DISPOSED,
                             reason="清查盘亏核销 / stocktake shortage written off", decision_number=approval_ref,
                             authority=authority, audit_action="assets.asset.stocktake_write_off")
            done["shortages"] += 1
        elif line.location_mismatch or line.custodian_mismatch:
            _card_relocate(asset_id=line.asset_id, location=line.actual_location if line.location_mismatch else None,
                           custodian_id=line.actual_custodian_id if line.custodian_mismatch else None,
                           actor=actor, authority=authority)
            done["relocated"] += 1
        else:
            continue
        line.applied = True
        line.save(update_fields=["applied"])
    for item in campaign.surpluses.select_for_update().filter(asset_id__isnull=True):
        item.asset_id = _card_from_surplus(item=item, actor=actor, authority=authority).pk
        item.save(update_fields=["asset_id"])
        done["surpluses"] += 1
    if done["surpluses"] or done["relocated"]:
        from ..district.services import summary_refresh_on_commit

        summary_refresh_on_commit()  # new cards: the district roll-up follows the books
    before = campaign.status
    campaign.status = Campaign.Status.ADJUSTED
    campaign.adjusted_at = timezone.now()
    campaign.approval_ref = approval_ref[:100]
    campaign.save(update_fields=["status", "adjusted_at", "approval_ref"])
    audit_record(action="assets.stocktake.adjust", actor=actor, obj=campaign, before={"status": before},
                 after={"status": campaign.status, **done}, detail=approval_ref)
    return done
