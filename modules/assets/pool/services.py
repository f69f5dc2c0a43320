"""Idle assets and their redistribution across units (闲置资产, 统筹调剂): writes.

Every function is keyword-only, atomic and audited. Listings and transfers live in the
public schema (models.py); asset cards live in each unit's schema. The functions that touch
a card switch to that unit's schema with ``schema_context`` *inside* the caller's
transaction: all schemas share one database, so one transaction covers both units, and a
transfer either moves the card completely or not at all.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.registry.registry import DISTRICT_FINANCE, UNIT_ADMIN

from ..manifest import ASSET_OFFICER
from ..models import Asset, Category
from ..services import asset_status_set, next_asset_number
from .models import DecisionSequence, IdleFlag, PoolListing, PoolTransfer

# Refusals keep the action name the pages audited them under before the services did.
REFUSED = "assets.pool.refused"
HISTORY_LIMIT = 200  # events copied with a card; older ones stay readable in the offering unit


# ----------------------------------------------------------------------------- helpers

def _unit_here():
    """The unit whose schema is active (None on the district portal)."""
    from zhengtong.notifications.services import current_unit

    return current_unit()


def holds_role(user, schema: str, *roles: str) -> bool:
    """Does ``user`` hold one of ``roles`` in ``schema`` (a unit's, or public for district roles)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    with schema_context(schema):
        return user.has_role(*roles)


def _officers(schema: str, *roles: str) -> list[int]:
    from tenant_users.permissions.models import UserTenantPermissions

    with schema_context(schema):
        return list(UserTenantPermissions.objects.filter(groups__name__in=roles)
                    .values_list("profile_id", flat=True).distinct())


def _notify(unit, recipients, title: str, title_en: str, path: str, dedupe_key: str = "") -> None:
    from zhengtong.core.hosts import district_url, unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import notify

    url = unit_url(unit, path) if unit is not None else district_url(path)
    notify(recipients=recipients, kind=Notification.Kind.MODULE_WARNING, title=title, title_en=title_en, url=url,
           unit=unit, dedupe_key=dedupe_key)


def _idle_after_days() -> int:
    from zhengtong.registry.rules import rules_for

    from ..manifest import MANIFEST

    return int(rules_for(MANIFEST)["idle_after_days"])


# ----------------------------------------------------------------------------- idle flagging

def idle_candidates(*, today: date | None = None):
    """Assets of the current unit unused for longer than the rule ``idle_after_days``.

    What counts as unused (the essays speak of 闲置资产 and 低效运转资产, idle and
    under-used assets, which units must identify after the stocktake):
    - a card whose status has been "idle" for that many days: idle for long, nobody has
      asked for it — a candidate for the district pool;
    - a card "in use" that nobody holds (no custodian) and whose status has not changed for
      that many days: on paper in use, in fact used by no named person.
    An asset in use with a custodian counts as used: the custodian answers for it.
    Returns (asset, reason) pairs.
    """
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=_idle_after_days())
    found = []
    for asset in Asset.objects.filter(status=Asset.Status.IDLE, status_changed_on__lte=cutoff).order_by("number"):
        found.append((asset, IdleFlag.Reason.IDLE))
    for asset in Asset.objects.filter(status=Asset.Status.IN_USE, custodian__isnull=True,
                                      status_changed_on__lte=cutoff).order_by("number"):
        found.append((asset, IdleFlag.Reason.NO_CUSTODIAN))
    return found


def idle_flags_refresh(*, today: date | None = None) -> int:
    """Flag the current unit's unused assets and warn its asset officers, once per asset and
    unused period; clear flags of assets used again. Idempotent: the periodic task may run as
    often as it likes. Returns the number of new flags."""
    unit = _unit_here()
    if unit is None:
        return 0
    today = today or timezone.localdate()
    new = 0
    with transaction.atomic():
        candidates = idle_candidates(today=today)
        seen = set()
        for asset, reason in candidates:
            seen.add((asset.pk, asset.status_changed_on))
            flag, created = IdleFlag.objects.get_or_create(
                unit=unit, asset_id=asset.pk, since=asset.status_changed_on,
                defaults=dict(asset_number=asset.number, asset_name=asset.name, original_value=asset.original_value,
                              reason=reason, flagged_on=today))
            if not created:
                continue
            new += 1
            audit_record(action="assets.asset.idle_flagged", actor=None, obj=asset,
                         after={"reason": reason, "since": asset.status_changed_on})
        for flag in IdleFlag.objects.filter(unit=unit, cleared_on__isnull=True):
            if (flag.asset_id, flag.since) not in seen:
                flag.cleared_on = today
                flag.save(update_fields=["cleared_on"])
        if new:
            days = _idle_after_days()
            recipients = _officers(connection.schema_name, ASSET_OFFICER)
            _notify(unit, recipients,
                    f"{new}项资产闲置超过{days}天，请处置或发布到区闲置资产库",
                    f"{new} asset(s) unused for more than {days} days: dispose of them or offer them in the "
                    "district pool",
                    "/m/assets/pool/idle/",
                    # One warning per run that found something new; a rerun finds nothing new.
                    dedupe_key=f"assets.idle:{connection.schema_name}:{today.isoformat()}:{new}")
    return new


PARTIES = ("giver", "receiver", "bureau")
DECISIONS = ("approve", "reject")


def party_schema(transfer: PoolTransfer, party: str) -> str:
    return {"giver": transfer.listing.unit.schema_name, "receiver": transfer.receiving_unit.schema_name,
            "bureau": "public"}[party]


def may_decide(user, transfer: PoolTransfer, party: str) -> bool:
    role = DISTRICT_FINANCE if party == "bureau" else UNIT_ADMIN
    return holds_role(user, party_schema(transfer, party), role)


# ----------------------------------------------------------------------------- guards
# Each says why ``user`` may not take the step now (the refusal the service raises), or None;
# selectors.listing_actions / transfer_actions offer on the pages exactly the ones that say None.

def _officer_here(user):
    """The unit whose asset officer ``user`` is on this host, or None."""
    unit = _unit_here()
    return unit if unit is not None and user.has_role(ASSET_OFFICER) else None


def can_offer(asset: Asset, user) -> Refused | Invalid | None:
    """Offer one of the unit's idle cards to the district pool."""
    unit = _officer_here(user)
    if unit is None:
        return Refused(_("Only the unit's asset officer may offer assets to the pool "
                         "(只有资产专管员可以发布闲置资产)."))
    if asset.status != Asset.Status.IDLE:
        return Invalid(_("Only idle assets can be offered to the pool (只有闲置资产可以发布到闲置资产库)."))
    if PoolListing.objects.filter(unit=unit, asset_id=asset.pk, status__in=PoolListing.OPEN).exists():
        return Invalid(_("This asset is already offered in the pool (该资产已在闲置资产库中)."))
    return None


def can_withdraw_listing(listing: PoolListing, user) -> Refused | Invalid | None:
    unit = _officer_here(user)
    if unit is None or listing.unit_id != unit.pk:
        return Refused(_("Only the offering unit's asset officer may withdraw it (只有发布单位的资产专管员可以撤回)."))
    if listing.status != PoolListing.Status.LISTED:
        return Invalid(_("A listing with an open request cannot be withdrawn (已有调剂申请的资产不能撤回)."))
    return None


def can_request(listing: PoolListing, user) -> Refused | Invalid | None:
    """Ask for another unit's listed asset."""
    unit = _officer_here(user)
    if unit is None:
        return Refused(_("Only a unit's asset officer may request pool assets (只有资产专管员可以申请调剂)."))
    if listing.unit_id == unit.pk:
        return Invalid(_("A unit cannot request its own asset (不能申请本单位发布的资产)."))
    if listing.status != PoolListing.Status.LISTED:
        return Invalid(_("This asset is no longer available (该资产已被申请或已撤回)."))
    return None


def _not_pending(transfer: PoolTransfer) -> Invalid | None:
    if transfer.status != PoolTransfer.Status.PENDING:
        return Invalid(_("This request is no longer waiting for approval (该申请已不在审批中)."))
    return None


def can_withdraw_request(transfer: PoolTransfer, user) -> Refused | Invalid | None:
    unit = _officer_here(user)
    if unit is None or transfer.receiving_unit_id != unit.pk:
        return Refused(_("Only the requesting unit's asset officer may withdraw the request "
                         "(只有申请单位的资产专管员可以撤回申请)."))
    return _not_pending(transfer)


def can_decide(transfer: PoolTransfer, user, party: str) -> Refused | Invalid | None:
    """Approve or reject for ``party``: three different people sign, none of them the requester."""
    if not may_decide(user, transfer, party):
        return Refused(_("You may not decide for this party (您无权代表该方审批)."))
    if refusal := _not_pending(transfer):
        return refusal
    signed = {p: by for p, by, _at in transfer.signatures}
    if signed[party] is not None:
        return Invalid(_("This party has already approved (该方已审批)."))
    if user.pk == transfer.requested_by_id:
        return Refused(_("The person who made the request cannot approve it (申请人不能审批本人的申请)."))
    if any(by is not None and by.pk == user.pk for by in signed.values()):
        return Refused(_("One person cannot approve for two parties (同一人不能代表两方审批)."))
    return None


def can_execute(transfer: PoolTransfer, user) -> Refused | Invalid | None:
    """Move the card (the bureau, once all three have approved; again after a failed attempt)."""
    if not (transfer.bureau_approved_by_id == user.pk or may_decide(user, transfer, "bureau")):
        return Refused(_("Only the district finance bureau executes a transfer (只有区财政局可以执行调剂)."))
    if transfer.status != PoolTransfer.Status.APPROVED or not all(by for _p, by, _at in transfer.signatures):
        return Invalid(_("The transfer needs the approval of both units and the bureau first "
                         "(调剂须经调出单位、调入单位和财政局审批)."))
    return None


# ----------------------------------------------------------------------------- listings

@audited_refusal(REFUSED, obj_arg="asset_id", object_type="assets.Asset")
@transaction.atomic
def pool_publish(*, actor, asset_id: int, note: str = "") -> PoolListing:
    """The unit's asset officer offers one of its idle assets to the district pool."""
    asset = Asset.objects.select_for_update(of=("self",)).select_related("asset_class").get(pk=asset_id)
    if refusal := can_offer(asset, actor):
        raise refusal
    unit = _unit_here()
    listing = PoolListing.objects.create(
        unit=unit, asset_id=asset.pk, asset_number=asset.number, asset_name=asset.name,
        class_code=asset.asset_class.code if asset.asset_class else "",
        class_name=asset.asset_class.name if asset.asset_class else asset.category,
        spec=asset.spec, quantity=asset.quantity, unit_of_measure=asset.unit_of_measure,
        acquired_on=asset.acquired_on, original_value=asset.original_value, net_value=asset.net_value,
        note=note, published_by=actor)
    audit_record(action="assets.pool.publish", actor=actor, obj=asset,
                 after={"listing": listing.pk, "original_value": asset.original_value, "net_value": asset.net_value})
    return listing


@audited_refusal(REFUSED, obj_arg="listing_id", object_type="assets_pool.PoolListing")
@transaction.atomic
def pool_withdraw(*, actor, listing_id: int) -> PoolListing:
    """The offering unit's asset officer takes a listing back (not while a transfer is open)."""
    listing = PoolListing.objects.select_for_update().get(pk=listing_id)
    if refusal := can_withdraw_listing(listing, actor):
        raise refusal
    listing.status = PoolListing.Status.WITHDRAWN
    listing.closed_at = timezone.now()
    listing.save(update_fields=["status", "closed_at"])
    audit_record(action="assets.pool.withdraw", actor=actor, object_type="assets_pool.PoolListing",
                 object_id=listing.pk, object_repr=str(listing))
    return listing


# ----------------------------------------------------------------------------- transfers

@audited_refusal(REFUSED, obj_arg="listing_id", object_type="assets_pool.PoolListing")
@transaction.atomic
def pool_request(*, actor, listing_id: int, reason: str = "") -> PoolTransfer:
    """Another unit's asset officer asks for a listed asset (from their own unit's pages)."""
    listing = PoolListing.objects.select_for_update(of=("self",)).select_related("unit").get(pk=listing_id)
    if refusal := can_request(listing, actor):
        raise refusal
    unit = _unit_here()
    transfer = PoolTransfer.objects.create(listing=listing, receiving_unit=unit, reason=reason, requested_by=actor)
    listing.status = PoolListing.Status.REQUESTED
    listing.save(update_fields=["status"])
    audit_record(action="assets.pool.request", actor=actor, object_type="assets_pool.PoolTransfer",
                 object_id=transfer.pk, object_repr=str(transfer), after={"listing": listing.pk, "reason": reason})
    path = f"/m/assets/pool/transfers/{transfer.pk}/"
    _notify(listing.unit, _officers(listing.unit.schema_name, UNIT_ADMIN),
            f"{unit.name}申请调剂闲置资产{listing.asset_number}，请审批",
            f"{unit.name} requests idle asset {listing.asset_number}: your approval is needed", path)
    _notify(unit, [u for u in _officers(connection.schema_name, UNIT_ADMIN) if u != actor.pk],
            f"本单位申请调入闲置资产{listing.asset_number}，请审批",
            f"Your unit requests idle asset {listing.asset_number}: your approval is needed", path)
    return transfer


@audited_refusal(REFUSED, obj_arg="transfer_id", object_type="assets_pool.PoolTransfer")
@transaction.atomic
def pool_transfer_withdraw(*, actor, transfer_id: int) -> PoolTransfer:
    """The receiving unit's asset officer takes the request back while it waits for approvals;
    the asset is offered again."""
    transfer = PoolTransfer.objects.select_for_update(of=("self",)).select_related("listing").get(pk=transfer_id)
    if refusal := can_withdraw_request(transfer, actor):
        raise refusal
    transfer.status = PoolTransfer.Status.WITHDRAWN
    transfer.save(update_fields=["status"])
    listing = PoolListing.objects.select_for_update().get(pk=transfer.listing_id)
    listing.status = PoolListing.Status.LISTED
    listing.save(update_fields=["status"])
    audit_record(action="assets.pool.withdraw_request", actor=actor, object_type="assets_pool.PoolTransfer",
                 object_id=transfer.pk, object_repr=str(transfer))
    return transfer


@audited_refusal(REFUSED, obj_arg="transfer_id", object_type="assets_pool.PoolTransfer")
def pool_transfer_decide(*, actor, transfer_id: int, party: str, decision: str, note: str = "") -> PoolTransfer:
    """One of the three parties approves or rejects.

    ``party`` is the side the actor signs for: "giver" (the offering unit's head),
    "receiver" (the receiving unit's head) or "bureau" (district finance bureau, on the
    district portal). The bureau signs after both units. Three different people sign, and
    the person who made the request signs for nobody. On the third approval the transfer
    executes; if that fails the approvals stand and the failure is recorded, so the bureau
    can execute it again once the cause is fixed.
    """
    if party not in PARTIES or decision not in DECISIONS:
        raise ValueError("party must be giver/receiver/bureau and decision approve/reject")
    with transaction.atomic():
        transfer = (PoolTransfer.objects.select_for_update(of=("self",))
                    .select_related("listing__unit", "receiving_unit").get(pk=transfer_id))
        if refusal := can_decide(transfer, actor, party):
            raise refusal
        signed = {p: by for p, by, _at in transfer.signatures}
        now = timezone.now()
        if decision == "reject":
            transfer.status = PoolTransfer.Status.REJECTED
            transfer.rejected_by, transfer.rejected_at, transfer.rejection_note = actor, now, note
            transfer.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_note"])
            listing = transfer.listing
            listing.status = PoolListing.Status.LISTED  # offered again
            listing.save(update_fields=["status"])
        else:
            if party == "bureau" and (signed["giver"] is None or signed["receiver"] is None):
                raise Invalid(_("The bureau approves after both units (财政局须在双方单位同意后审批)."))
            setattr(transfer, f"{party}_approved_by", actor)
            setattr(transfer, f"{party}_approved_at", now)
            fields = [f"{party}_approved_by", f"{party}_approved_at"]
            if party == "bureau":
                transfer.status = PoolTransfer.Status.APPROVED
                fields.append("status")
            transfer.save(update_fields=fields)
        audit_record(action=f"assets.pool.{decision}", actor=actor, object_type="assets_pool.PoolTransfer",
                     object_id=transfer.pk, object_repr=str(transfer), after={"party": party, "note": note})
        if transfer.status == PoolTransfer.Status.REJECTED:
            _notify(transfer.receiving_unit, [transfer.requested_by_id],
                    f"闲置资产{transfer.listing.asset_number}的调剂申请未获批准",
                    f"The request for idle asset {transfer.listing.asset_number} was rejected",
                    f"/m/assets/pool/transfers/{transfer.pk}/")
        elif party != "bureau" and transfer.giver_approved_by_id and transfer.receiver_approved_by_id:
            _notify(None, _officers("public", DISTRICT_FINANCE),
                    f"闲置资产调剂待财政局审批：{transfer.listing.asset_number}",
                    f"Idle asset transfer waiting for the finance bureau: {transfer.listing.asset_number}",
                    f"/assets/pool/transfers/{transfer.pk}/")
    if transfer.status == PoolTransfer.Status.APPROVED:
        pool_transfer_try_execute(actor=actor, transfer_id=transfer.pk)
        transfer.refresh_from_db()
    return transfer


def pool_transfer_try_execute(*, actor, transfer_id: int) -> bool:
    """Execute; on failure keep the approvals and record why (in words), returning False."""
    try:
        pool_transfer_execute(actor=actor, transfer_id=transfer_id)
        return True
    except (DatabaseError, ValidationError, Asset.DoesNotExist) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
        with transaction.atomic():
            PoolTransfer.objects.filter(pk=transfer_id).update(execution_error=message[:1000])
            audit_record(action="assets.pool.execute", actor=actor, object_type="assets_pool.PoolTransfer",
                         object_id=transfer_id, result=AuditEvent.Result.FAILURE, detail=message[:1000])
        return False


def _next_decision_number(district_id, year: int) -> str:
    seq, _ = DecisionSequence.objects.select_for_update().get_or_create(district_id=district_id, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"调剂〔{year}〕{seq.last}号"


def _card_history(asset: Asset) -> list[dict]:
    """The card's audit trail in the offering unit, as a summary to travel with it."""
    events = (AuditEvent.objects.filter(object_type="assets.Asset", object_id=str(asset.pk))
              .order_by("-id")[:HISTORY_LIMIT])
    return [{"at": e.occurred_at.isoformat(), "action": e.action, "actor": e.actor_label,
             "before": e.before, "after": e.after, "detail": e.detail} for e in reversed(list(events))]


@audited_refusal(REFUSED, obj_arg="transfer_id", object_type="assets_pool.PoolTransfer")
def pool_transfer_execute(*, actor, transfer_id: int) -> PoolTransfer:
    """Move the card from the offering unit's books to the receiving unit's, atomically.

    One transaction, three schemas: lock the transfer (public), mark the card disposed by
    transfer with the decision number and copy its values and history (offering unit),
    insert the new card with those values (receiving unit), then close the transfer and the
    listing (public). Any failure rolls all of it back: the asset is then still only in the
    offering unit, unchanged.
    """
    with transaction.atomic():
        transfer = (PoolTransfer.objects.select_for_update(of=("self",))
                    .select_related("listing__unit", "receiving_unit").get(pk=transfer_id))
        if transfer.status == PoolTransfer.Status.EXECUTED:
            return transfer  # a second click (or a retry racing the first) moves nothing twice
        # ``actor`` None: the system retrying an approved transfer (the bureau's decision stands).
        if actor is not None and (refusal := can_execute(transfer, actor)):
            raise refusal
        listing = transfer.listing
        giver, receiver = listing.unit, transfer.receiving_unit
        today = timezone.localdate()
        number = _next_decision_number(giver.district_id, today.year)
        ref = f"pool transfer #{transfer.pk}"

        with schema_context(giver.schema_name):
            asset = Asset.objects.select_for_update(of=("self",)).select_related("asset_class").get(pk=listing.asset_id)
            if asset.status != Asset.Status.IDLE:
                raise Invalid(_("The asset is no longer idle in the offering unit (该资产在调出单位已不是闲置状态)."))
            values = {
                "number": asset.number, "name": asset.name, "category": asset.category, "spec": asset.spec,
                "class_code": asset.asset_class.code if asset.asset_class else "",
                "original_value": str(asset.original_value),
                "accumulated_depreciation": str(asset.accumulated_depreciation),
                "depreciated_through": asset.depreciated_through.isoformat() if asset.depreciated_through else None,
                "acquired_on": asset.acquired_on.isoformat(), "quantity": str(asset.quantity),
                "unit_of_measure": asset.unit_of_measure, "funding_source": asset.funding_source,
                "service_life_years": asset.service_life_years,
            }
            history = _card_history(asset)
            asset_status_set(actor=actor, asset=asset, status=Asset.Status.DISPOSED,
                             reason=f"调拨至{receiver.name}（闲置资产调剂）", decision_number=number, authority=ref,
                             audit_action="assets.asset.transfer_out")

        with schema_context(receiver.schema_name):
            asset_class = Category.objects.filter(code=values["class_code"]).first() if values["class_code"] else None
            new = Asset(
                number=next_asset_number(today.year), name=asset.name,
                category=asset_class.name if asset_class else asset.category, spec=asset.spec,
                original_value=asset.original_value, acquired_on=asset.acquired_on, asset_class=asset_class,
                quantity=asset.quantity, unit_of_measure=asset.unit_of_measure,
                acquisition_method=Asset.AcquisitionMethod.TRANSFER_IN, funding_source=asset.funding_source,
                service_life_years=asset.service_life_years, status=Asset.Status.IN_USE,
                accumulated_depreciation=asset.accumulated_depreciation,
                depreciated_through=asset.depreciated_through)
            new.full_clean()
            new.save()
            audit_record(action="assets.asset.transfer_in", actor=actor, obj=new,
                         after={"from_unit": giver.name, "from_number": asset.number, "decision_number": number,
                                "values": values, "history": history},
                         detail=f"{ref} · {number}")
            # The receiving unit's roll-up summary follows its new card (the giving unit's
            # follows through asset_status_set above).
            from ..district.services import summary_refresh_on_commit

            summary_refresh_on_commit()

        transfer.status = PoolTransfer.Status.EXECUTED
        transfer.decision_number = number
        transfer.executed_at = timezone.now()
        transfer.new_asset_id, transfer.new_asset_number = new.pk, new.number
        transfer.values, transfer.history = values, history
        transfer.execution_error = ""
        transfer.save(update_fields=["status", "decision_number", "executed_at", "new_asset_id", "new_asset_number",
                                     "values", "history", "execution_error"])
        listing.status = PoolListing.Status.TRANSFERRED
        listing.closed_at = transfer.executed_at
        listing.save(update_fields=["status", "closed_at"])
        audit_record(action="assets.pool.execute", actor=actor, object_type="assets_pool.PoolTransfer",
                     object_id=transfer.pk, object_repr=str(transfer),
                     after={"decision_number": number, "from": giver.schema_name, "to": receiver.schema_name,
                            "new_asset": new.number})
        for unit, recipients in ((giver, _officers(giver.schema_name, ASSET_OFFICER)),
                                 (receiver, _officers(receiver.schema_name, ASSET_OFFICER))):
            _notify(unit, recipients, f"闲置资产调剂已执行：{asset.number} → {receiver.name}（{number}）",
                    f"Idle asset transfer executed: {asset.number} → {receiver.name} ({number})",
                    f"/m/assets/pool/transfers/{transfer.pk}/")
    return transfer
