"""A unit's own approval chain for a request type, set by the module admin."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Refused, audited_refusal
from zhengtong.registry.registry import UNIT_ADMIN

from ..chains import effective_steps, validate_steps
from ..models import ApprovalChain
from .common import _type_or_error

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


# ------------------------------------------------------------------ chains


def can_edit_chain(user, manifest) -> bool:
    return bool(user and user.is_authenticated and user.has_role(manifest.module_admin_role, UNIT_ADMIN))


def _may_edit_chain(actor: User, manifest) -> None:
    if not can_edit_chain(actor, manifest):
        raise Refused(_("Only the module admin may change approval chains (只有模块管理员可以修改审批链)."),
                      code="not_module_admin")


@audited_refusal("approvals.chain.update", obj_arg="type_key", object_type="approvals.chain")
@transaction.atomic
def approval_chain_update(*, type_key: str, steps: list[dict[str, Any]], actor: User) -> list[dict[str, Any]]:
    """Replace the unit's chain for a request type (validated; audited old → new)."""
    manifest, atype = _type_or_error(type_key)
    _may_edit_chain(actor, manifest)
    clean = validate_steps(steps, atype, manifest)
    old, _own = effective_steps(atype)
    row, _created = ApprovalChain.objects.select_for_update().get_or_create(type_key=atype.key)
    row.steps = clean
    row.updated_by_id = actor.pk
    row.save()
    if old != clean:
        audit_record(action="approvals.chain.update", actor=actor, object_type="approvals.chain",
                     object_id=atype.key, object_repr=atype.name_zh, before={"steps": old}, after={"steps": clean})
    return clean


@audited_refusal("approvals.chain.reset", obj_arg="type_key", object_type="approvals.chain")
@transaction.atomic
def approval_chain_reset(*, type_key: str, actor: User) -> None:
    """Back to the module's default chain."""
    manifest, atype = _type_or_error(type_key)
    _may_edit_chain(actor, manifest)
    old, own = effective_steps(atype)
    if own:
        ApprovalChain.objects.filter(type_key=type_key).delete()
        audit_record(action="approvals.chain.reset", actor=actor, object_type="approvals.chain",
                     object_id=type_key, object_repr=atype.name_zh, before={"steps": old},
                     after={"steps": effective_steps(atype)[0]})

