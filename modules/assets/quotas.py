"""Allocation quotas (配置定额) and their "two up, two down" negotiation (两上两下), and the
check of acquisitions against quota minus current stock.

Quotas live in the unit's schema next to the cards they limit; the district finance bureau
(国资办, a district role held in the public schema) writes them from the district portal,
which switches to the unit's schema. The negotiation is a fixed sequence: the bureau opens
an item, the unit proposes (一上), the bureau returns its figures (一下), the unit revises
(二上), the bureau approves (二下). Each step appends a QuotaRound; none is ever changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django_tenants.utils import schema_context

from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.registry.registry import get_module
from zhengtong.registry.rules import rules_for

from .models import AcquisitionRequest, Asset, Category, QuotaItem, QuotaRound

BUREAU = "district.finance_bureau"
UNIT_SIDE = ("assets.asset_officer", "platform.unit_admin")

# step -> (status the item must be in, status after, who acts)
_FLOW = {
    QuotaRound.Step.PROPOSE: (QuotaItem.Status.OPEN, QuotaItem.Status.PROPOSED, "unit"),
    QuotaRound.Step.RETURN: (QuotaItem.Status.PROPOSED, QuotaItem.Status.RETURNED, "bureau"),
    QuotaRound.Step.REVISE: (QuotaItem.Status.RETURNED, QuotaItem.Status.REVISED, "unit"),
    QuotaRound.Step.APPROVE: (QuotaItem.Status.REVISED, QuotaItem.Status.APPROVED, "bureau"),
    # An approved quota changes only on the unit's application (its functions changed) and
    # the bureau's answer; the approved figure stands until the bureau approves a new one.
    QuotaRound.Step.CHANGE: (QuotaItem.Status.APPROVED, QuotaItem.Status.CHANGE_REQUESTED, "unit"),
    QuotaRound.Step.CHANGE_APPROVE: (QuotaItem.Status.CHANGE_REQUESTED, QuotaItem.Status.APPROVED, "bureau"),
    QuotaRound.Step.CHANGE_REFUSE: (QuotaItem.Status.CHANGE_REQUESTED, QuotaItem.Status.APPROVED, "bureau"),
}


def next_step(item: QuotaItem) -> tuple[list[str], str] | None:
    """The steps that may follow now and who takes them ("unit" or "bureau")."""
    steps = [step for step, (required, _after, _side) in _FLOW.items() if required == item.status]
    return (steps, _FLOW[steps[0]][2]) if steps else None


def can_take_step(item: QuotaItem, user, step: str) -> Refused | Invalid | None:
    """The guard of every negotiation step (the table above): why ``user`` may not take ``step``
    on ``item`` now, or None. selectors.quota_items offers the steps that say None."""
    try:
        required, _after, side = _FLOW[QuotaRound.Step(step)]
    except ValueError:
        return Invalid("未知的协商步骤 (Unknown negotiation step).")
    if not (is_bureau(user) if side == "bureau" else _is_unit_side(user)):
        return Refused("您无权办理此协商步骤 / You may not take this negotiation step.")
    if item.status != required:
        return Invalid("协商步骤顺序不对：两上两下须依次进行 (Out of turn: the rounds go propose, return, "
                       "revise, approve).")
    return None


def is_bureau(user) -> bool:
    with schema_context("public"):  # district roles are groups in the public schema
        return user.has_role(BUREAU)


def _is_unit_side(user) -> bool:
    return user.has_role(*UNIT_SIDE)


@audited_refusal("assets.quota.refused", object_type="assets.QuotaItem")
@transaction.atomic
def quota_item_open(*, actor, asset_class: Category, year: int, basis: str = "") -> QuotaItem:
    """The bureau puts a class on the unit's quota list for a year (based on functions and
    posts, stated in ``basis``); the unit then proposes its figure."""
    if not is_bureau(actor):
        raise Refused("只有区财政局可以设定配置定额 / Only the district finance bureau may set quotas.")
    if QuotaItem.objects.filter(asset_class=asset_class, year=year).exists():
        raise Invalid("该分类本年度已有定额项目 (This class already has a quota item for the year).")
    item = QuotaItem.objects.create(asset_class=asset_class, year=year, basis=basis)
    audit_record(action="assets.quota.open", actor=actor, obj=item,
                 after={"class": asset_class.code, "year": year, "basis": basis})
    return item


@audited_refusal("assets.quota.refused", obj_arg="item")
@transaction.atomic
def quota_round_add(*, actor, item: QuotaItem, step: str, quantity: int | None = None, note: str = "") -> QuotaRound:
    """Record the next round of the negotiation. The bureau's approval without a figure
    approves the unit's revised one."""
    item = QuotaItem.objects.select_for_update().get(pk=item.pk)
    if refusal := can_take_step(item, actor, step):
        raise refusal
    _required, after, _side = _FLOW[QuotaRound.Step(step)]
    last = item.rounds.order_by("-number").first()
    if step == QuotaRound.Step.CHANGE and not note.strip():
        raise Invalid("请说明职能变化情况 (Say how the unit's functions changed).")
    if step == QuotaRound.Step.CHANGE_REFUSE:
        quantity = item.approved_quantity  # the round records the figure that stays
    if quantity is None:
        if step not in (QuotaRound.Step.APPROVE, QuotaRound.Step.CHANGE_APPROVE):
            raise Invalid("请填写数量 (Enter a quantity).")
        quantity = last.quantity
    if quantity < 0:
        raise Invalid("数量不能为负 (The quantity cannot be negative).")
    rnd = QuotaRound.objects.create(item=item, number=(last.number + 1) if last else 1, step=step,
                                    quantity=quantity, note=note, by=actor)
    before = item.status
    item.status = after
    if after == QuotaItem.Status.APPROVED:
        item.approved_quantity = quantity
    item.save(update_fields=["status", "approved_quantity"])
    audit_record(action=f"assets.quota.{step}", actor=actor, obj=item,
                 before={"status": before}, after={"status": after, "quantity": quantity, "note": note})
    if after == QuotaItem.Status.APPROVED:
        from .district.services import summary_refresh_on_commit

        summary_refresh_on_commit()  # the district's quota-usage figures show the approved quota
    _tell_next(item, rnd)
    return rnd


def _tell_next(item: QuotaItem, rnd: QuotaRound) -> None:
    """The side whose turn it now is hears of it (after the unit: the bureau; after the bureau: the unit)."""
    from .warnings import tell_bureau, tell_unit

    name, key = item.asset_class.name, f"assets.quota:{item.pk}:{rnd.number}"
    if _FLOW[QuotaRound.Step(rnd.step)][2] == "unit":
        tell_bureau(title=f"{item.year}年{name}配置定额待审（{rnd.get_step_display()}：{rnd.quantity}）",
                    title_en=f"{item.year} quota for {name} waits for you ({rnd.quantity})",
                    view="assets_district:quota_unit", dedupe_key=key)
    else:
        tell_unit(title=f"财政局已办理{item.year}年{name}配置定额（{rnd.get_step_display()}：{rnd.quantity}）",
                  title_en=f"The finance bureau answered on the {item.year} quota for {name} ({rnd.quantity})",
                  view="assets:quotas", dedupe_key=key)


def class_subtree_ids(asset_class: Category) -> list[int]:
    """The class and every class below it (codes extend their parent's code)."""
    return list(Category.objects.filter(code__startswith=asset_class.code).values_list("pk", flat=True))


def governing_quota(asset_class: Category, year: int) -> QuotaItem | None:
    """The approved quota of the class or its nearest ancestor for the year."""
    codes = [asset_class.code[:i] for i in range(len(asset_class.code), 0, -1)]
    items = {q.asset_class.code: q for q in QuotaItem.objects.select_related("asset_class").filter(
        year=year, status=QuotaItem.Status.APPROVED, asset_class__code__in=codes)}
    return next((items[c] for c in codes if c in items), None)


def current_stock(asset_class: Category) -> Decimal:
    """Quantity on the books in the class and below it (disposed cards excluded)."""
    total = (Asset.objects.filter(asset_class_id__in=class_subtree_ids(asset_class))
             .exclude(status=Asset.Status.DISPOSED).aggregate(n=Sum("quantity"))["n"])
    return total or Decimal("0")


@dataclass(frozen=True)
class QuotaCheck:
    quota: QuotaItem | None
    stock: Decimal
    requested: int

    @property
    def available(self) -> Decimal | None:
        return None if self.quota is None else Decimal(self.quota.approved_quantity) - self.stock

    @property
    def over(self) -> bool:
        # No approved quota for the class: nothing is allowed without the bureau.
        return self.available is None or self.requested > self.available


def quota_check(*, asset_class: Category, year: int, quantity: int) -> QuotaCheck:
    quota = governing_quota(asset_class, year)
    stock = current_stock(quota.asset_class if quota else asset_class)
    return QuotaCheck(quota=quota, stock=stock, requested=quantity)


class OverQuota(Invalid):
    """More than quota minus stock under the rule's policy. Invalid, not Refused: the person can
    ask for less, or justify it for the bureau; yet every such attempt is kept in the trail."""


def _over_quota(check: QuotaCheck, *, quantity: int, justification: str) -> OverQuota | None:
    """Why the rule ``over_quota_policy`` refuses this request, or None when it may go ahead
    (within quota, or over it with a justification for the bureau)."""
    if not check.over:
        return None
    policy = rules_for(get_module("assets"))["over_quota_policy"]
    available = "无定额 / no quota" if check.available is None else f"{check.available.normalize():f}"
    if policy == "refuse":
        return OverQuota(f"超出配置定额：可配置数量 {available}，申请 {quantity} "
                         f"(Over the allocation quota: {available} available, {quantity} requested).")
    if not justification.strip():
        return OverQuota(f"超出配置定额，须说明理由报财政局审核：可配置数量 {available}，申请 {quantity} "
                         f"(Over the allocation quota: give a justification for the finance bureau; "
                         f"{available} available, {quantity} requested).")
    return None


@audited_refusal("assets.acquisition.refused", object_type="assets.Category")
def acquisition_request(*, actor, asset_class: Category, year: int, quantity: int, reason: str = "",
                        justification: str = "") -> AcquisitionRequest:
    """Ask to acquire ``quantity`` items of a class. Within quota minus stock it is accepted
    at once; over it, the rule over_quota_policy refuses it ("refuse") or sends it with a
    justification to the district finance bureau ("justify"). An over-quota refusal is
    audited after the check's transaction (which wrote nothing), so the trace stays."""
    if not (_is_unit_side(actor) or actor.has_perm("assets.add_asset")):
        raise Refused("您无权申请配置资产 / You may not request acquisitions.")
    if quantity < 1:
        raise Invalid("数量至少为1 (The quantity must be at least 1).")
    with transaction.atomic():
        # Serialise the checks of this unit (a quota covers a class and its subclasses), so two
        # requests cannot both take the last free place.
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.assets_quota'))")
        check = quota_check(asset_class=asset_class, year=year, quantity=quantity)
        refusal = _over_quota(check, quantity=quantity, justification=justification)
        if refusal is None:
            status = AcquisitionRequest.Status.BUREAU_REVIEW if check.over else AcquisitionRequest.Status.WITHIN_QUOTA
            req = AcquisitionRequest.objects.create(
                asset_class=asset_class, year=year, quantity=quantity, reason=reason, justification=justification,
                quota=check.quota.approved_quantity if check.quota else None, stock=check.stock, status=status,
                requested_by=actor)
            audit_record(action="assets.acquisition.request", actor=actor, obj=req,
                         after={"class": asset_class.code, "quantity": quantity, "status": status})
            if status == AcquisitionRequest.Status.BUREAU_REVIEW:
                from .warnings import tell_bureau

                tell_bureau(title=f"超定额配置申请待审：{asset_class.name} {quantity}",
                            title_en=f"Over-quota acquisition request: {asset_class.name} {quantity}",
                            view="assets_district:quota_unit", dedupe_key=f"assets.acquisition:{req.pk}")
            return req
    audit_denied(action="assets.acquisition.over_quota", actor=actor, object_type="assets.Category",
                 object_id=str(asset_class.pk), object_repr=asset_class.name, detail=refusal.messages[0])
    raise refusal

@audited_refusal("assets.acquisition.refused", obj_arg="request")
@transaction.atomic
def acquisition_decide(*, actor, request: AcquisitionRequest, approve: bool, note: str = "") -> AcquisitionRequest:
    """The bureau's decision on an over-quota request."""
    if not is_bureau(actor):
        raise Refused("只有区财政局可以审核超定额申请 / Only the district finance bureau decides this.")
    req = AcquisitionRequest.objects.select_for_update().get(pk=request.pk)
    if req.status != AcquisitionRequest.Status.BUREAU_REVIEW:
        raise Invalid("该申请不在待审状态 (This request is not waiting for a decision).")
    req.status = AcquisitionRequest.Status.APPROVED if approve else AcquisitionRequest.Status.REFUSED
    req.decided_by, req.decision_note = actor, note
    req.save(update_fields=["status", "decided_by", "decision_note"])
    audit_record(action="assets.acquisition.decide", actor=actor, obj=req,
                 before={"status": AcquisitionRequest.Status.BUREAU_REVIEW}, after={"status": req.status, "note": note})
    from .warnings import tell_unit

    tell_unit(title=f"超定额配置申请已审：{req.asset_class.name} {req.quantity}，{req.get_status_display()}",
              title_en=f"Over-quota request decided: {req.asset_class.name} {req.quantity}",
              view="assets:acquisitions", dedupe_key=f"assets.acquisition_decided:{req.pk}")
    return req
