"""Lending and renting out an asset (资产出租出借) through the leasing services and the approval
engine, as the officer's and the head's pages do it."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from modules.assets.leasing import services
from modules.assets.leasing.models import LeaseContract
from zhengtong.approvals import services as approvals
from zhengtong.approvals.models import ApprovalStep

LENDING = "assets.lending"


def lease_request(unit, officer, asset, *, kind="rent", rent="24000.00", days=365, start=None,
                  counterparty="某某餐饮公司"):
    """A lease request for ``asset`` as the officer files it (a draft contract, not yet submitted)."""
    start = start or timezone.localdate()
    with schema_context(unit.schema_name):
        return services.lease_request_create(actor=officer, asset=asset, kind=kind, counterparty=counterparty,
                                             term_start=start, term_end=start + timedelta(days=days),
                                             rent=Decimal(rent), contract_number="ZL-2026-01")


def lease_submit(unit, officer, contract):
    with schema_context(unit.schema_name):
        return approvals.approval_submit(type_key=LENDING, subject_id=contract.pk, actor=officer, reason="盘活闲置")


def lease_decide(unit, user, req, decision="approve", district=False, comment=""):
    with schema_context(unit.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
        return approvals.approval_decide(request_id=req.pk, step_id=step.pk, actor=user, decision=decision,
                                         comment=comment, via_district=district)


def lease_state(unit, contract):
    with schema_context(unit.schema_name):
        c = LeaseContract.objects.select_related("asset").get(pk=contract.pk)
        return c.status, c.asset.status


def active_lease(unit, staff, make_asset, value="8000.00", **kw):
    """A shopfront let out: requested by ``staff["officer"]``, approved by ``staff["head"]``."""
    asset = make_asset(unit, name="临街门面", value=value)
    contract = lease_request(unit, staff["officer"], asset, **kw)
    lease_decide(unit, staff["head"], lease_submit(unit, staff["officer"], contract))
    return asset, contract
