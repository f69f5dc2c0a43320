"""Request types, their chains and routing.

A module declares request types (``ApprovalType``) with a default chain in its manifest;
a unit's module admin may replace the chain for their unit. Chains are stored and copied as
plain step dicts so that an edit never reaches a request already in approval.

Conditions are written for people, one clause per ``;``::

    amount >= @disposal_bureau_threshold; category in 通用设备,专用设备

``@name`` reads the module's rule of that name for the unit at submission time, so a
module admin who raises a threshold on the rules page re-routes new requests at once.
"""
from __future__ import annotations

import re
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from zhengtong.registry.manifest import ApprovalStepSpec, ApprovalType, ModuleManifest
from zhengtong.registry.registry import (
    DISTRICT_ROLES,
    DISTRICT_THREE_ADMINS,
    THREE_ADMINS,
    all_modules,
    localized,
    role_label,
    unit_roles,
)

STEP_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OPS = (">=", "<=", "!=", ">", "<", "=", "in")
TEXT_OPS = ("=", "!=", "in")
MAX_STEPS = 20
MAX_QUORUM = 20
MAX_DEADLINE_HOURS = 24 * 365
# The three administrators (三员) run the system; they never sign business requests.
NON_APPROVER_ROLES = frozenset(THREE_ADMINS) | frozenset(DISTRICT_THREE_ADMINS)


def approval_types() -> list[tuple[ModuleManifest, ApprovalType]]:
    return [(m, t) for m in all_modules() for t in m.approval_types]


def get_type(type_key: str) -> tuple[ModuleManifest, ApprovalType] | None:
    for manifest, atype in approval_types():
        if atype.key == type_key:
            return manifest, atype
    return None


def type_name(atype: ApprovalType) -> str:
    return localized(atype.name_zh, atype.name_en)


def handler_for(atype: ApprovalType):
    return import_string(atype.handler)()


def assignable_roles() -> list[tuple[str, str]]:
    """(key, label) of every role a step may name: this unit's roles and the district's."""
    roles = [r for r in (*unit_roles(), *DISTRICT_ROLES) if r.key not in NON_APPROVER_ROLES]
    return [(r.key, role_label(r.key)) for r in roles]


# ------------------------------------------------------------------ step dicts


def spec_to_dict(spec: ApprovalStepSpec) -> dict[str, Any]:
    return {
        "key": spec.key,
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "role": spec.role,
        "quorum": spec.quorum,
        "conditions": [_condition_dict(asdict(c)) for c in spec.conditions],
        "deadline_hours": spec.deadline_hours,
        "escalate_to": spec.escalate_to,
        "comment_required": spec.comment_required,
    }


def _condition_dict(c: dict[str, Any]) -> dict[str, Any]:
    out = {"field": c["field"], "op": c["op"]}
    if c.get("rule"):
        out["rule"] = c["rule"]
    else:
        value = c.get("value")
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
        out["value"] = value
    return out


def default_steps(atype: ApprovalType) -> list[dict[str, Any]]:
    return [spec_to_dict(s) for s in atype.default_chain]


def effective_steps(atype: ApprovalType) -> tuple[list[dict[str, Any]], bool]:
    """The chain in force in the current unit and whether it is the unit's own."""
    from .models import ApprovalChain

    stored = ApprovalChain.objects.filter(type_key=atype.key).values_list("steps", flat=True).first()
    if stored:
        return stored, True
    return default_steps(atype), False


# ------------------------------------------------------------------ conditions


def format_conditions(conditions: list[dict[str, Any]]) -> str:
    parts = []
    for c in conditions:
        if c.get("rule"):
            value = "@" + c["rule"]
        elif c["op"] == "in":
            value = ",".join(c.get("value") or [])
        else:
            value = str(c.get("value"))
        parts.append(f"{c['field']} {c['op']} {value}")
    return "; ".join(parts)


_CLAUSE_RE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(>=|<=|!=|>|<|=|in\b)\s*(.+?)\s*$")


def parse_conditions(text: str, atype: ApprovalType, manifest: ModuleManifest) -> list[dict[str, Any]]:
    """Turn "amount >= @x; category in a,b" into condition dicts, or raise ValidationError."""
    text = (text or "").replace("；", ";").replace("，", ",").replace("＞", ">").replace("＜", "<").replace("＝", "=")
    conditions = []
    for raw in (p for p in text.split(";") if p.strip()):
        match = _CLAUSE_RE.match(raw)
        if not match:
            raise ValidationError(
                _("Cannot read the condition “%(c)s”: write field, operator and value, e.g. amount >= 50000 "
                  "(条件格式应为“字段 运算符 值”，如 amount >= 50000).") % {"c": raw.strip()})
        field, op, value = match.groups()
        clause: dict[str, Any] = {"field": field, "op": op}
        if value.startswith("@"):
            clause["rule"] = value[1:]
        elif op == "in":
            clause["value"] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            clause["value"] = value
        conditions.append(clause)
    return validate_conditions(conditions, atype, manifest)


def validate_conditions(conditions: list[dict[str, Any]], atype: ApprovalType,
                        manifest: ModuleManifest) -> list[dict[str, Any]]:
    fields = {f.key: f for f in atype.condition_fields}
    rules = {r.key: r for r in manifest.rules}
    clean = []
    for c in conditions:
        field = fields.get(c.get("field"))
        if field is None:
            raise ValidationError(
                _("Unknown condition field “%(f)s”; this request type offers: %(all)s "
                  "(未知的条件字段).") % {"f": c.get("field"), "all": ", ".join(fields)})
        op = c.get("op")
        if op not in OPS or (field.type == "text" and op not in TEXT_OPS) or (field.type == "decimal" and op == "in"):
            raise ValidationError(_("Operator “%(o)s” cannot be used with %(f)s (运算符不适用于该字段).")
                                  % {"o": op, "f": field.key})
        out: dict[str, Any] = {"field": field.key, "op": op}
        if c.get("rule"):
            rule = rules.get(c["rule"])
            if rule is None or (field.type == "decimal" and rule.type not in ("decimal", "int")):
                raise ValidationError(_("“@%(r)s” is not a numeric rule of this module (模块规则不存在或不是数值).")
                                      % {"r": c["rule"]})
            out["rule"] = rule.key
        elif field.type == "decimal":
            try:
                out["value"] = str(Decimal(str(c.get("value")).replace(",", "")).quantize(Decimal("0.01")))
            except (InvalidOperation, ValueError):
                raise ValidationError(_("“%(v)s” is not an amount (金额格式不正确).")
                                      % {"v": c.get("value")}) from None
        elif op == "in":
            values = [str(v) for v in (c.get("value") or [])]
            if not values:
                raise ValidationError(_("List at least one value after “in” (in 后至少列出一个值)."))
            out["value"] = values
        else:
            out["value"] = str(c.get("value") or "")
        clean.append(out)
    return clean


def condition_holds(c: dict[str, Any], facts: dict[str, Any], rules: dict[str, Any]) -> bool:
    fact = facts.get(c["field"])
    if fact is None or fact == "":
        # A fact the subject does not have (no category entered) satisfies no condition:
        # the step is skipped exactly as for a non-matching value.
        return False
    target = rules.get(c["rule"]) if c.get("rule") else c.get("value")
    if c["op"] == "in":
        return str(fact) in set(target or [])
    if isinstance(target, (list, tuple)):
        return False
    try:
        left, right = Decimal(str(fact)), Decimal(str(target))
    except (InvalidOperation, ValueError):
        left, right = str(fact), str(target)
        if c["op"] not in ("=", "!="):
            return False
    return {
        ">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right,
        "=": left == right, "!=": left != right,
    }[c["op"]]


def route(steps: list[dict[str, Any]], facts: dict[str, Any], rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps this request goes through: those whose every condition holds, in order."""
    return [s for s in steps if all(condition_holds(c, facts, rules) for c in s.get("conditions") or [])]


# ------------------------------------------------------------------ validation


def validate_steps(steps: list[dict[str, Any]], atype: ApprovalType, manifest: ModuleManifest) -> list[dict[str, Any]]:
    """Normalise a chain a module admin wrote; ValidationError lists what is wrong."""
    roles = dict(assignable_roles())
    errors: list[str] = []
    clean: list[dict[str, Any]] = []
    if not steps:
        raise ValidationError(_("A chain needs at least one step (审批链至少需要一个步骤)."))
    if len(steps) > MAX_STEPS:
        raise ValidationError(_("A chain has at most %(n)d steps (审批步骤过多).") % {"n": MAX_STEPS})
    seen: set[str] = set()
    for i, raw in enumerate(steps, start=1):
        where = _("Step %(n)d") % {"n": i}
        key = str(raw.get("key") or "").strip()
        if not STEP_KEY_RE.match(key):
            errors.append(f"{where}: " + _("the key must be lower-case letters, digits or _ starting with a letter "
                                           "(步骤代码须为小写字母、数字或下划线，以字母开头)."))
        elif key in seen:
            errors.append(f"{where}: " + _("the key %(k)s is used twice (步骤代码重复).") % {"k": key})
        seen.add(key)
        name_zh = str(raw.get("name_zh") or "").strip()
        if not name_zh:
            errors.append(f"{where}: " + _("a name is required (步骤名称必填)."))
        role = str(raw.get("role") or "")
        if role not in roles:
            errors.append(f"{where}: " + _("choose a role that exists in the unit or the district "
                                           "(须选择本单位或区级的角色).") + (
                              " " + _("The three administrators do not sign business requests (三员不参与业务审批).")
                              if role in NON_APPROVER_ROLES else ""))
        try:
            quorum = int(raw.get("quorum") or 1)
            if not 1 <= quorum <= MAX_QUORUM:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(f"{where}: " + _("the number of approvers must be between 1 and %(n)d "
                                           "(审批人数须在1到%(n)d之间).") % {"n": MAX_QUORUM})
            quorum = 1
        deadline = raw.get("deadline_hours")
        if deadline in ("", None):
            deadline = None
        else:
            try:
                deadline = int(deadline)
                if not 1 <= deadline <= MAX_DEADLINE_HOURS:
                    raise ValueError
            except (TypeError, ValueError):
                errors.append(f"{where}: " + _("the deadline must be 1 to 8760 hours (时限须为1至8760小时)."))
                deadline = None
        escalate_to = str(raw.get("escalate_to") or "")
        if escalate_to and (escalate_to not in roles or escalate_to == role):
            errors.append(f"{where}: " + _("escalation must go to another existing role (升级对象须为另一个已有角色)."))
        if escalate_to and deadline is None:
            errors.append(f"{where}: " + _("escalation needs a deadline (设置升级须同时设置时限)."))
        try:
            conditions = validate_conditions(list(raw.get("conditions") or []), atype, manifest)
        except ValidationError as exc:
            errors.extend(f"{where}: {m}" for m in exc.messages)
            conditions = []
        clean.append({
            "key": key, "name_zh": name_zh, "name_en": str(raw.get("name_en") or "").strip() or name_zh,
            "role": role, "quorum": quorum, "conditions": conditions, "deadline_hours": deadline,
            "escalate_to": escalate_to, "comment_required": bool(raw.get("comment_required")),
        })
    if errors:
        raise ValidationError(errors)
    return clean
