"""Approval requests made and decided through the approval engine's services, on the assets
module's disposal (资产处置) requests."""
from __future__ import annotations

from django_tenants.utils import schema_context

from zhengtong.approvals import services
from zhengtong.approvals.models import ApprovalStep
from zhengtong.notifications.models import Notification

DISPOSAL = "assets.disposal"


def submit(unit, user, asset, reason="设备老化，无法修复"):
    """A disposal as the card's request page makes it: the type on the card, then the approval."""
    from modules.assets.models import Asset

    with schema_context(unit.schema_name):
        Asset.objects.filter(pk=asset.pk, disposal_method="").update(disposal_method="sale")
        return services.approval_submit(type_key=DISPOSAL, subject_id=asset.pk, actor=user, reason=reason)


def decide(unit, user, req, decision="approve", comment="", step=None):
    with schema_context(unit.schema_name):
        step = step or ApprovalStep.objects.get(request_id=req.pk, status="active")
        return services.approval_decide(request_id=req.pk, step_id=step.pk, actor=user, decision=decision,
                                        comment=comment)


def asset_status(unit, asset):
    from modules.assets.models import Asset

    with schema_context(unit.schema_name):
        return Asset.objects.get(pk=asset.pk).status


def inbox_titles(user):
    with schema_context("public"):
        return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))
