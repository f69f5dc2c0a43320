"""Lending and renting (出租出借): writes. Keyword-only, atomic, audited.

The life of a contract: the asset officer drafts the request (asset, counterparty, term,
rent) → submits it into the approval chain ``assets.lending`` (approvals.py) → on final
approval it is active and the card's status becomes lent / rented out (through
assets.services.asset_status_set) → income received is recorded entry by entry → the
signed contract text is attached and filed with the district finance bureau → returning
the asset ends the contract and restores the card's earlier status.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.updates import snapshot
from zhengtong.registry.registry import UNIT_ADMIN

from ..manifest import ASSET_OFFICER
from ..models import Asset
from ..services import asset_status_set
from .models import IncomeEntry, LeaseContract

LENDABLE = (Asset.Status.IN_USE, Asset.Status.IDLE)
EXPIRED = -1  # in LeaseContract.expiry_warned: the warning that the term has ended
STATUS_FOR_KIND = {LeaseContract.Kind.RENT: Asset.Status.RENTED, LeaseContract.Kind.LEND: Asset.Status.LENT}
AUDITED = ("kind", "counterparty", "counterparty_contact", "term_start", "term_end", "rent", "contract_number",
           "status")


def _record(action: str, actor, contract: LeaseContract, *, before=None, after=None, detail: str = "") -> None:
    audit_record(action=f"assets.lending.{action}", actor=actor, obj=contract,
                 object_repr=f"{contract.asset.number} → {contract.counterparty}"[:200], before=before,
                 after=after, detail=detail)


def is_officer(user) -> bool:
    return user.is_authenticated and user.has_role(ASSET_OFFICER)


# Refusals keep the action name the pages audited them under before the services did.
REFUSED = "assets.lending.refused"


def _officer_only(user) -> Refused | None:
    if not is_officer(user):
        return Refused(_("Only the asset officer manages lending and renting (只有资产专管员可以办理出租出借)."))
    return None


# --- the transitions' guards: each says why ``user`` may not take it now (the refusal the service
# raises), or None; selectors.actions_for offers on the pages exactly the ones that say None.

def not_lendable(asset: Asset) -> Invalid | None:
    """Why the card cannot go out now (also checked when the request is sent into approval)."""
    if asset.status not in LENDABLE:
        return Invalid(_("Only assets in use or idle can be lent or rented out (只有在用或闲置资产可以出租出借)."))
    return None


def can_lend(asset: Asset, user) -> Refused | Invalid | None:
    """Draft a lending or renting request for the card."""
    return _officer_only(user) or not_lendable(asset)


def can_record_income(contract: LeaseContract, user) -> Refused | Invalid | None:
    if refusal := _officer_only(user):
        return refusal
    if contract.status not in (LeaseContract.Status.ACTIVE, LeaseContract.Status.RETURNED):
        return Invalid(_("Income is recorded on approved contracts only (只有已批准的合同可以登记收入)."))
    if contract.kind != LeaseContract.Kind.RENT:
        return Invalid(_("Lending brings no rent (出借不产生租金收入)."))
    return None


def can_file(contract: LeaseContract, user) -> Refused | Invalid | None:
    """File the signed contract with the district finance bureau (once)."""
    if refusal := _officer_only(user):
        return refusal
    if contract.status not in (LeaseContract.Status.ACTIVE, LeaseContract.Status.RETURNED):
        return Invalid(_("Only approved contracts are filed (只有已批准的合同可以备案)."))
    if contract.filed_at:
        return Invalid(_("This contract is already filed with the finance bureau (该合同已报财政局备案)."))
    return None


def can_return(contract: LeaseContract, user) -> Refused | Invalid | None:
    """The asset came back: end the contract."""
    if refusal := _officer_only(user):
        return refusal
    if contract.status != LeaseContract.Status.ACTIVE:
        return Invalid(_("Only an active contract can end with a return (只有执行中的合同可以办理收回)."))
    return None


def _lock(contract_id: int) -> LeaseContract:
    return LeaseContract.objects.select_for_update().select_related("asset").get(pk=contract_id)


@audited_refusal(REFUSED, object_type="assets_leasing.LeaseContract")
@transaction.atomic
def lease_request_create(*, actor, asset: Asset, kind: str, counterparty: str, term_start: date, term_end: date,
                         rent: Decimal = Decimal("0.00"), counterparty_contact: str = "", purpose: str = "",
                         contract_number: str = "") -> LeaseContract:
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if refusal := can_lend(asset, actor):
        raise refusal
    if kind == LeaseContract.Kind.LEND and rent:
        raise Invalid(_("Lending is free of charge; use renting for a rent (出借不收取租金，收租请选择出租)."))
    contract = LeaseContract(asset=asset, kind=kind, counterparty=counterparty.strip(),
                             counterparty_contact=counterparty_contact, purpose=purpose, term_start=term_start,
                             term_end=term_end, rent=rent, contract_number=contract_number, requested_by=actor)
    if term_end < term_start:
        raise Invalid(_("The term ends before it starts (租期结束日早于开始日)."))
    contract.full_clean()
    contract.save()
    _record("create", actor, contract, after=snapshot(contract, AUDITED))
    return contract


def _open_on_asset(asset_id: int, exclude_pk: int | None = None):
    qs = LeaseContract.objects.filter(asset_id=asset_id,
                                      status__in=(LeaseContract.Status.IN_APPROVAL, LeaseContract.Status.ACTIVE))
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


# --- hooks called by the approval engine (approvals.py), inside its transaction ---

def lease_submitted(*, contract_id: int, actor, approval_ref: str) -> LeaseContract:
    contract = _lock(contract_id)
    if _open_on_asset(contract.asset_id, contract.pk).exists():
        raise Invalid(_("This asset already has an open lending or renting contract (该资产已有在办的出租出借)."))
    before = contract.status
    contract.status = LeaseContract.Status.IN_APPROVAL
    contract.save(update_fields=["status"])
    _record("submit", actor, contract, before={"status": before}, after={"status": contract.status},
            detail=approval_ref)
    return contract


def lease_approved(*, contract_id: int, actor, approval_ref: str) -> LeaseContract:
    """Final approval: the contract is active and the card shows who has the asset."""
    contract = _lock(contract_id)
    asset = Asset.objects.select_for_update().get(pk=contract.asset_id)
    if asset.status not in LENDABLE:
        raise Invalid(_("The asset is no longer in use or idle (该资产已不是在用或闲置状态)."))
    contract.status_before = asset.status
    contract.status = LeaseContract.Status.ACTIVE
    contract.save(update_fields=["status", "status_before"])
    asset_status_set(actor=actor, asset=asset, status=STATUS_FOR_KIND[contract.kind],
                     reason=f"{contract.get_kind_display()}：{contract.counterparty}，至{contract.term_end}",
                     decision_number=contract.contract_number, authority=approval_ref,
                     audit_action="assets.asset.lending")
    _record("approve", actor, contract, before={"status": LeaseContract.Status.IN_APPROVAL},
            after={"status": contract.status}, detail=approval_ref)
    return contract


def lease_closed(*, contract_id: int, actor, approval_ref: str) -> LeaseContract:
    """Rejected or withdrawn in approval."""
    contract = _lock(contract_id)
    before = contract.status
    contract.status = LeaseContract.Status.REJECTED
    contract.save(update_fields=["status"])
    _record("close", actor, contract, before={"status": before}, after={"status": contract.status},
            detail=approval_ref)
    return contract


# --- while active ---

@audited_refusal(REFUSED, obj_arg="contract")
@transaction.atomic
def lease_income_record(*, actor, contract: LeaseContract, received_on: date, amount: Decimal,
                        note: str = "") -> IncomeEntry:
    contract = _lock(contract.pk)
    if refusal := can_record_income(contract, actor):
        raise refusal
    entry = IncomeEntry(contract=contract, received_on=received_on, amount=amount, note=note, recorded_by=actor)
    entry.full_clean()
    entry.save()
    _record("income", actor, contract, after={"received_on": received_on, "amount": amount, "note": note})
    from ..district.services import summary_refresh_on_commit

    summary_refresh_on_commit()  # the district's lending income follows (roll-up summary, on commit)
    return entry


@audited_refusal(REFUSED, obj_arg="contract")
@transaction.atomic
def lease_file_with_bureau(*, actor, contract: LeaseContract) -> LeaseContract:
    """File the contract with the district finance bureau (合同文本报财政局备案): the signed
    text must be attached first; the bureau then sees its figures and counterparty."""
    from zhengtong.files.selectors import attachments_of

    contract = _lock(contract.pk)
    if refusal := can_file(contract, actor):
        raise refusal
    if not any(f.use == "assets.lease_contract" for f in attachments_of(contract)):
        raise Invalid(_("Attach the signed contract text first (请先上传合同文本)."))
    contract.filed_at, contract.filed_by = timezone.now(), actor
    contract.save(update_fields=["filed_at", "filed_by"])
    _record("file", actor, contract, after={"filed_at": contract.filed_at})
    return contract


@audited_refusal(REFUSED, obj_arg="contract")
@transaction.atomic
def lease_return(*, actor, contract: LeaseContract, returned_on: date | None = None) -> LeaseContract:
    """The asset came back: the contract ends and the card's earlier status returns."""
    contract = _lock(contract.pk)
    if refusal := can_return(contract, actor):
        raise refusal
    contract.status = LeaseContract.Status.RETURNED
    contract.returned_on = returned_on or timezone.localdate()
    contract.save(update_fields=["status", "returned_on"])
    asset_status_set(actor=actor, asset=contract.asset_id, status=contract.status_before or Asset.Status.IN_USE,
                     reason=f"收回：{contract.counterparty}", authority=f"lending contract #{contract.pk}",
                     audit_action="assets.asset.lending")
    _record("return", actor, contract, before={"status": LeaseContract.Status.ACTIVE},
            after={"status": contract.status, "returned_on": contract.returned_on})
    return contract


# --- periodic ---

def _warnings_due(contract: LeaseContract, days_left: int, thresholds: list[int]) -> list[int]:
    """The expiry warnings ``contract`` has not had yet at ``days_left`` days before its end."""
    if days_left < 0:  # ended, still out: the overdue warning, marked -1
        return [] if EXPIRED in contract.expiry_warned else [EXPIRED]
    return [d for d in thresholds if days_left <= d and d not in contract.expiry_warned]


def expiry_warnings_issue(*, today: date | None = None) -> int:
    """Warn the asset officers (and whoever made the request) before an active contract ends,
    at each of the rule's ``contract_expiry_warning_days`` (default 30 and 7 days before).
    Once per contract and threshold: a contract first seen 5 days before its end gets one
    warning (for 7 days), not two. A contract still active after its end (the asset not
    returned, no new contract signed — 合同已到期的须履行程序后重新签订) gets one more warning,
    as overdue. Idempotent; returns the number of warnings given."""
    from zhengtong.core.hosts import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify
    from zhengtong.registry.rules import rules_for

    from ..manifest import MANIFEST
    from ..pool.services import _officers

    today = today or timezone.localdate()
    thresholds = sorted({int(d) for d in rules_for(MANIFEST)["contract_expiry_warning_days"] if int(d) >= 0})
    horizon = today + timedelta(days=thresholds[-1] if thresholds else 0)
    unit = current_unit()
    issued = 0
    officers = None
    for contract in (LeaseContract.objects.filter(status=LeaseContract.Status.ACTIVE, term_end__lte=horizon)
                     .select_related("asset")):
        days_left = (contract.term_end - today).days

        if not _warnings_due(contract, days_left, thresholds):
            continue
        with transaction.atomic():
            contract = _lock(contract.pk)
            due = _warnings_due(contract, days_left, thresholds)
            if not due:
                continue
            contract.expiry_warned = sorted(set(contract.expiry_warned) | set(due))
            contract.save(update_fields=["expiry_warned"])
            _record("expiry_warning", None, contract, after={"days_left": days_left, "term_end": contract.term_end})
            if officers is None:
                officers = _officers(connection.schema_name, ASSET_OFFICER, UNIT_ADMIN)
            kind = contract.get_kind_display()
            if days_left < 0:
                title = (f"{contract.asset.number} {contract.asset.name}的出租出借合同已于{contract.term_end}到期"
                         f"（{contract.counterparty}），请收回资产或履行程序后重新签订合同")
                title_en = (f"{kind} contract of {contract.asset.number} with {contract.counterparty} ended on "
                            f"{contract.term_end}: take the asset back or sign a new contract")
            else:
                title = (f"{contract.asset.number} {contract.asset.name}的出租出借合同将于{contract.term_end}到期"
                         f"（{contract.counterparty}，剩{days_left}天）")
                title_en = (f"{kind} contract of {contract.asset.number} with {contract.counterparty} ends on "
                            f"{contract.term_end} ({days_left} days left)")
            notify(recipients=set(officers) | {contract.requested_by_id},
                   kind=Notification.Kind.DEADLINE_OVERDUE if days_left < 0 else Notification.Kind.DEADLINE_APPROACHING,
                   title=title, title_en=title_en,
                   url=unit_url(unit, f"/m/assets/lending/{contract.pk}/") if unit else "", unit=unit,
                   # contract ids repeat across units: the key carries the schema
                   dedupe_key=f"assets.lending:{connection.schema_name}:{contract.pk}:{contract.term_end}:{min(due)}")
            issued += 1
    return issued
