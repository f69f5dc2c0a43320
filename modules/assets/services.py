"""Writes on asset cards: keyword-only, atomic, audited."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.permissions import can, grant, revoke
from zhengtong.core.updates import snapshot

from .district.services import summary_refresh_on_commit
from .manifest import DEPARTMENT_HEAD, disposal_types_listed
from .models import Asset, DepartmentHead

CUSTODIAN_PERMS = ("assets.view_asset", "assets.change_asset")
AUDITED_FIELDS = ("number", "name", "category", "spec", "original_value", "acquired_on", "department",
                  "custodian_id", "location", "status", "asset_class_id", "quantity", "unit_of_measure",
                  "acquisition_method", "funding_source", "service_life_years")
# Card fields beyond the original skeleton's, accepted by asset_register (all optional).
CARD_FIELDS = ("asset_class", "quantity", "unit_of_measure", "acquisition_method", "funding_source",
               "service_life_years")


class AssetChangedElsewhere(ValidationError):
    """Someone saved the card after this editor opened it (optimistic locking).

    Carries the card as it is now, so the form can show what changed before the user
    decides to apply their edit on top of it.
    """

    def __init__(self, current: Asset):
        super().__init__(
            _("This asset card was changed by someone else after you opened it. Check the current values "
              "and save again if your change still applies."),
            code="conflict",
        )
        self.current = current


def next_asset_number(year: int) -> str:
    """Unit-prefixed and unique: <UNIT>-<year>-<sequence>."""
    slug = getattr(connection.tenant, "slug", None) or connection.schema_name.removeprefix("u_")
    prefix = f"{slug.upper()}-{year}-"
    with connection.cursor() as cur:  # serialise numbering per unit schema
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.asset_number'))")
    last = (Asset.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True)
            .first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def _set_custodian_grants(asset: Asset, old_custodian, new_custodian) -> None:
    if old_custodian is not None and old_custodian != new_custodian:
        for perm in CUSTODIAN_PERMS:
            revoke(perm, old_custodian, asset)
    if new_custodian is not None:
        for perm in CUSTODIAN_PERMS:
            grant(perm, new_custodian, asset)


@audited_refusal("assets.asset.refused", object_type="assets.Asset")
@transaction.atomic
def asset_register(*, actor, name: str, original_value: Decimal, acquired_on: date, category: str = "",
                   spec: str = "", department: str = "", location: str = "", custodian=None,
                   number: str = "", **card) -> Asset:
    unknown = set(card) - set(CARD_FIELDS)
    if unknown:
        raise TypeError(f"unknown asset card fields: {sorted(unknown)}")
    card = {k: v for k, v in card.items() if v not in (None, "")}
    if card.get("asset_class") is not None:
        category = card["asset_class"].name  # the text class follows the classification
    if not actor.has_perm("assets.add_asset"):
        raise Refused(_("You may not register assets."))
    # A custodian who registers an asset holds it unless someone else is named.
    if custodian is None and not actor.has_perm("assets.change_asset"):
        custodian = actor
    asset = Asset(number=number or next_asset_number(acquired_on.year), name=name, category=category, spec=spec,
                  original_value=original_value, acquired_on=acquired_on, status_changed_on=acquired_on,
                  department=department,
                  location=location, custodian=custodian, **card)
    asset.full_clean()
    asset.save()
    _set_custodian_grants(asset, None, custodian)
    audit_record(action="assets.asset.create", actor=actor, obj=asset, after=snapshot(asset, AUDITED_FIELDS))
    summary_refresh_on_commit()  # the district roll-up follows the books (one task per transaction)
    return asset


@audited_refusal("assets.asset.refused", obj_arg="asset")
@transaction.atomic
def asset_update(*, actor, asset: Asset, expected_version: int | None = None, **changes) -> Asset:
    """Change an asset card.

    ``expected_version`` is the version the editor saw (the edit form carries it). Two
    people editing the same card would otherwise silently overwrite each other (lost
    update): the row lock serialises concurrent saves, and the version check then refuses
    every save but the first with AssetChangedElsewhere.
    """
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if refusal := can_edit(asset, actor):
        raise refusal
    if expected_version is not None and asset.version != expected_version:
        raise AssetChangedElsewhere(asset)
    if "custodian" in changes and not actor.has_perm("assets.change_asset"):
        raise Refused(_("Only the asset officer may change the custodian."))
    before = snapshot(asset, AUDITED_FIELDS)
    old_custodian = asset.custodian
    for field, value in changes.items():
        setattr(asset, field, value)
    if changes.get("asset_class") is not None:
        asset.category = asset.asset_class.name  # the text class follows the classification
    asset.full_clean()
    asset.version += 1
    asset.save()
    if "custodian" in changes:
        _set_custodian_grants(asset, old_custodian, asset.custodian)
    after = snapshot(asset, AUDITED_FIELDS)
    diff_before = {k: v for k, v in before.items() if after[k] != v}
    if diff_before:
        audit_record(action="assets.asset.update", actor=actor, obj=asset, before=diff_before,
                     after={k: after[k] for k in diff_before})
        summary_refresh_on_commit()
    return asset


# Reached only with an authority (an approval, a stocktake adjustment, a transfer): a
# custodian or officer cannot simply declare a card disposed.
AUTHORITY_STATUSES = (Asset.Status.PENDING_DISPOSAL, Asset.Status.DISPOSED)
# Cards whose disposal may be requested.
DISPOSABLE = (Asset.Status.IN_USE, Asset.Status.IDLE, Asset.Status.REPAIR)


# --- the transitions' guards: each says why ``user`` may not take it now on ``asset`` (the refusal
# the service raises), or None; selectors.actions_for offers on the card exactly the ones that say None.

def can_edit(asset: Asset, user) -> Refused | None:
    """Change the card's data: the asset officer, or its custodian through custody's object permission."""
    if not can(user, "assets.change_asset", asset):
        return Refused(_("You may not change this asset."))
    return None


def _by_approval_only() -> Invalid:
    return Invalid(_("Disposal is decided through the disposal approval (资产处置须经审批)."))


def can_set_status(asset: Asset, user) -> Refused | Invalid | None:
    """In use / idle / under repair / lent … by whoever may change the card, never into or out of
    the disposal statuses (those follow the approval)."""
    if not can(user, "assets.change_asset", asset):
        return Refused(_("You may not change this asset (您无权修改此资产)."))
    if asset.status in AUTHORITY_STATUSES:
        return _by_approval_only()
    return None


def not_disposable(asset: Asset) -> Invalid | None:
    """Why the card's disposal cannot be requested in its status (also the approval's check)."""
    if asset.status not in DISPOSABLE:
        return Invalid(_("Only assets in use, idle or under repair can be disposed; this one is %(s)s "
                         "(只有在用、闲置或维修中的资产可以申请处置).") % {"s": asset.get_status_display()})
    return None


def can_request_disposal(asset: Asset, user) -> Refused | Invalid | None:
    """Send the card into the disposal approval (→ pending disposal)."""
    from zhengtong.approvals.selectors import open_request_for_subject

    from .manifest import DISPOSAL

    if not can(user, "assets.change_asset", asset):
        return Refused(_("You may not request the disposal of this asset (您无权申请处置此资产)."))
    if refusal := not_disposable(asset):
        return refusal
    if open_request_for_subject(DISPOSAL.key, asset.pk) is not None:
        return Invalid(_("This is already in approval (该事项已在审批中)."))
    return None


def can_record_disposal(asset: Asset, user) -> Refused | Invalid | None:
    """Record the proceeds (and, for a request made without one, the method) of an approved disposal."""
    if not user.has_perm("assets.change_asset"):
        return Refused(_("Only the asset officer records disposals (只有资产专管员可以登记处置结果)."))
    if asset.status != Asset.Status.DISPOSED:
        return Invalid(_("Only an approved disposal can be recorded (资产处置批准后才能登记处置结果)."))
    return None


@audited_refusal("assets.asset.refused", obj_arg="asset", object_type="assets.Asset")
@transaction.atomic
def asset_status_set(*, actor, asset: Asset | int, status: str, reason: str = "", decision_number: str = "",
                     expected_version: int | None = None, authority: str = "",
                     audit_action: str = "assets.asset.status") -> Asset:
    """The one way a card changes status: records the day (status_changed_on), the reason
    and the decision number, bumps the version and writes the audit event.

    Without ``authority`` the actor needs the change permission on the card, and the
    disposal statuses are refused. With it (e.g. "approval #12", a stocktake adjustment
    or an idle-pool transfer reference) the caller's decision is the authority and no
    asset permission is checked: the final approver may be the district finance bureau,
    who holds none in the unit. ``expected_version`` is the version the caller saw;
    a card saved since raises AssetChangedElsewhere. Setting the status it already has
    changes nothing and records nothing.
    """
    if status not in Asset.Status.values:
        raise Invalid(_("Unknown asset status (未知的资产状态)."))
    asset = Asset.objects.select_for_update().get(pk=getattr(asset, "pk", asset))
    if not authority:
        if refusal := can_set_status(asset, actor):
            raise refusal
        if status in AUTHORITY_STATUSES:
            raise _by_approval_only()
    if expected_version is not None and asset.version != expected_version:
        raise AssetChangedElsewhere(asset)
    before = asset.status
    if before == status:
        return asset
    asset.status = status
    asset.status_changed_on = timezone.localdate()
    asset.status_reason = reason[:500]
    asset.decision_number = decision_number[:100]
    asset.version += 1  # an editor holding the card open sees it changed (optimistic locking)
    asset.save(update_fields=["status", "status_changed_on", "status_reason", "decision_number", "version",
                              "updated_at"])
    detail = " · ".join(x for x in (authority, reason, decision_number) if x)
    audit_record(action=audit_action, actor=actor, obj=asset, before={"status": before},
                 after={"status": status}, detail=detail)
    summary_refresh_on_commit()
    return asset


def disposal_appraisal_missing(asset: Asset) -> bool:
    """Whether the card's requested disposal type needs a technical appraisal (技术鉴定, rule
    ``disposal_appraisal_required_for``) and none is attached to the card yet."""
    from zhengtong.files.selectors import attachments_of
    from zhengtong.registry.rules import rules_for

    from .attachments import APPRAISAL
    from .manifest import MANIFEST

    if not asset.disposal_method:
        return False
    needing = disposal_types_listed(rules_for(MANIFEST)["disposal_appraisal_required_for"])
    return asset.disposal_method in needing and not attachments_of(asset).filter(use=APPRAISAL.key).exists()


@audited_refusal("assets.asset.disposal_request", obj_arg="asset", object_type="assets.Asset")
@transaction.atomic
def asset_disposal_request(*, actor, asset: Asset | int, disposal_type: str, reason: str,
                           expected_version: int | None = None):
    """Request the disposal of a card as ``disposal_type`` (transfer, sale, scrap, donation,
    loss write-off): the type goes on the card and into the approval's facts, where the
    unit's chain routes by it and by the original value. Returns the approval request.

    One transaction: if the approval engine refuses (appraisal missing, already in approval,
    not disposable), the card keeps no type. A refused permission is written to the audit
    trail after that transaction rolled back (the engine's own record went with it).
    """
    from zhengtong.approvals.services import approval_submit

    asset = Asset.objects.select_for_update().get(pk=getattr(asset, "pk", asset))
    if refusal := can_request_disposal(asset, actor):
        raise refusal
    if disposal_type not in Asset.DisposalMethod.values:
        raise Invalid(_("Choose the disposal type (请选择处置方式)."))
    if not reason.strip():
        raise Invalid(_("Give the reason for the disposal (请填写处置理由)."))
    if expected_version is not None and asset.version != expected_version:
        raise AssetChangedElsewhere(asset)
    before = asset.disposal_method
    if before != disposal_type:
        asset.disposal_method = disposal_type
        asset.version += 1
        asset.save(update_fields=["disposal_method", "version", "updated_at"])
    audit_record(action="assets.asset.disposal_request", actor=actor, obj=asset,
                 before={"disposal_method": before}, after={"disposal_method": disposal_type},
                 detail=reason.strip()[:500])
    return approval_submit(type_key="assets.disposal", subject_id=asset.pk, actor=actor, reason=reason)


@transaction.atomic
def asset_disposal_type_clear(*, actor, asset: Asset | int, authority: str) -> Asset:
    """Take the requested type off a card whose disposal was rejected or withdrawn (called by
    the approval handler; ``authority`` names the request)."""
    asset = Asset.objects.select_for_update().get(pk=getattr(asset, "pk", asset))
    if asset.status == Asset.Status.DISPOSED or not asset.disposal_method:
        return asset
    before = asset.disposal_method
    asset.disposal_method = ""
    asset.version += 1
    asset.save(update_fields=["disposal_method", "version", "updated_at"])
    audit_record(action="assets.asset.disposal_request", actor=actor, obj=asset,
                 before={"disposal_method": before}, after={"disposal_method": ""}, detail=authority)
    return asset


@audited_refusal("assets.asset.refused", obj_arg="asset", object_type="assets.Asset")
@transaction.atomic
def asset_disposal_record(*, actor, asset: Asset | int, method: str = "", proceeds: Decimal | None = None,
                          expected_version: int | None = None) -> Asset:
    """After an approved disposal, the asset officer records its proceeds (处置收入: sale price,
    transfer consideration), if any. The method is the type chosen on the request; only a
    disposal requested without one (the generic approval page) takes ``method`` here."""
    asset = Asset.objects.select_for_update().get(pk=getattr(asset, "pk", asset))
    if refusal := can_record_disposal(asset, actor):
        raise refusal
    if asset.disposal_method and method and method != asset.disposal_method:
        raise Invalid(_("The disposal type was decided with the approval and cannot be changed "
                        "(处置方式已随审批确定，不能更改)."))
    method = asset.disposal_method or method
    if method not in Asset.DisposalMethod.values:
        raise Invalid(_("Choose how the asset was disposed of (请选择处置方式)."))
    if proceeds is not None and proceeds < 0:
        raise Invalid(_("Proceeds cannot be negative (处置收入不能为负数)."))
    if expected_version is not None and asset.version != expected_version:
        raise AssetChangedElsewhere(asset)
    before = {"disposal_method": asset.disposal_method, "disposal_proceeds": asset.disposal_proceeds}
    asset.disposal_method = method
    asset.disposal_proceeds = None if proceeds is None else Decimal(proceeds).quantize(Decimal("0.01"))
    asset.version += 1
    asset.save(update_fields=["disposal_method", "disposal_proceeds", "version", "updated_at"])
    audit_record(action="assets.asset.disposal_record", actor=actor, obj=asset, before=before,
                 after={"disposal_method": method, "disposal_proceeds": asset.disposal_proceeds})
    return asset


def may_assign_heads(actor) -> bool:
    from zhengtong.registry.registry import UNIT_ADMIN

    return actor.has_role(UNIT_ADMIN) or actor.has_perm("assets.change_asset")


@audited_refusal("assets.department_head.refused", object_type="assets.DepartmentHead")
@transaction.atomic
def department_head_assign(*, actor, user, department: str) -> DepartmentHead:
    """Let ``user`` (who holds the department head role here) see the cards of ``department``."""
    if not may_assign_heads(actor):
        raise Refused(_("Only the unit admin or the asset officer may assign department heads "
                        "(只有单位管理员或资产专管员可以指定部门负责人)."))
    department = department.strip()
    if not department:
        raise Invalid(_("Name the department (请填写部门)."))
    if DEPARTMENT_HEAD not in user.role_keys:
        raise Invalid(_("This person does not hold the department head role in this unit "
                        "(此人在本单位没有部门负责人角色)."))
    head, created = DepartmentHead.objects.get_or_create(user=user, department=department)
    if created:
        audit_record(action="assets.department_head.assign", actor=actor, obj=head,
                     after={"user_id": user.pk, "department": department})
    return head


@audited_refusal("assets.department_head.refused", obj_arg="head")
@transaction.atomic
def department_head_remove(*, actor, head: DepartmentHead) -> None:
    if not may_assign_heads(actor):
        raise Refused(_("Only the unit admin or the asset officer may assign department heads "
                        "(只有单位管理员或资产专管员可以指定部门负责人)."))
    audit_record(action="assets.department_head.remove", actor=actor, obj=head,
                 before={"user_id": head.user_id, "department": head.department})
    head.delete()
