"""Onboarding and running units. Every write is atomic and audited.

A new unit's schema is *cloned* from the template schema (TENANT_BASE_SCHEMA), which
``migrate_platform`` keeps migrated and seeded with the roles; cloning copies tables and
role rows in one statement batch instead of replaying every migration (bench/onboarding.py).
PostgreSQL DDL is transactional, so a failed onboarding leaves no schema behind.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.accounts.models import User
from zhengtong.accounts.services import member_roles_set
from zhengtong.audit.services import audit_record
from zhengtong.core.hosts import district_url, unit_host
from zhengtong.core.tenancy import enabled_modules_forget
from zhengtong.registry.handover import MODULE_SWITCHED_ON, emit
from zhengtong.registry.registry import DISTRICT_OPERATOR, UNIT_ADMIN, get_module

from .models import District, Domain, Invitation, Unit, UnitModule
from .pool import lock_referenced_tables
from .validators import validate_credit_code

SYSTEM_EMAIL = "system@zhengtong.invalid"
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,29}$")
RESERVED_SLUGS = {"www", "admin", "api", "static", "media", "public", "template", "mail", "district"}


def require_operator(actor) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied
    with schema_context("public"):
        if not actor.has_role(DISTRICT_OPERATOR):
            raise PermissionDenied(_("Only district operators may do this."))


def system_user() -> User:
    return User.objects.get(email=SYSTEM_EMAIL)


@transaction.atomic
def platform_bootstrap(*, district_name: str, division_code: str) -> Unit:
    """Create the public tenant row, its domains, the district and the service account.

    Idempotent: running it again changes nothing that exists.
    """
    with schema_context("public"):
        owner = User.objects.filter(email=SYSTEM_EMAIL).first()
        if owner is None:
            # Not through the manager: it links the user to the public tenant, which
            # does not exist yet. This account owns unit rows and cannot log in.
            owner = User(email=SYSTEM_EMAIL, name="政通平台", is_system=True, is_active=True)
            owner.set_unusable_password()
            owner.save()
        district, _ = District.objects.get_or_create(division_code=division_code, defaults={"name": district_name})
        portal = Unit.objects.filter(schema_name="public").first()
        if portal is None:
            portal = Unit(schema_name="public", slug="district", name=district_name,
                          unit_type=Unit.UnitType.DISTRICT, district=district, owner=owner)
            portal.save(verbosity=0)
        for i, host in enumerate([settings.ZT_BASE_DOMAIN, "localhost", "127.0.0.1"]):
            Domain.objects.get_or_create(domain=host, defaults={"tenant": portal, "is_primary": i == 0})
        if not portal.user_set.filter(pk=owner.pk).exists():
            portal.add_user(owner)
    return portal


def normalise_slug(slug: str) -> str:
    return (slug or "").strip().lower()


def validate_unit_fields(*, name: str, slug: str, credit_code: str, unit_type: str, module_keys: list[str],
                         admin_email: str, seen_slugs: set[str] | None = None,
                         seen_codes: set[str] | None = None) -> dict[str, str]:
    """All problems with one unit's data, as {field: message}; empty when valid."""
    from django.core.validators import validate_email

    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Name is required (单位名称必填).")
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        errors["slug"] = _(
            "Short name must be 2–30 lower-case letters, digits or hyphens, starting with a letter "
            "(简称须为2–30位小写字母、数字或连字符，以字母开头)."
        )
    elif Unit.objects.filter(slug=slug).exists() or (seen_slugs is not None and slug in seen_slugs):
        errors["slug"] = _("Short name %(s)s is already taken (简称已被占用).") % {"s": slug}
    if credit_code:
        try:
            validate_credit_code(credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages[0]
        else:
            if Unit.objects.filter(credit_code=credit_code).exists() or (
                seen_codes is not None and credit_code in seen_codes
            ):
                errors["credit_code"] = _("This credit code is already registered (该信用代码已登记).")
    if unit_type not in {Unit.UnitType.BUREAU, Unit.UnitType.SCHOOL, Unit.UnitType.OTHER}:
        errors["unit_type"] = _("Type must be bureau, school or other (类型须为局/学校/其他).")
    unknown = [k for k in module_keys if get_module(k) is None]
    if unknown:
        errors["modules"] = _("Unknown module: %(m)s (未知模块)") % {"m": ", ".join(unknown)}
    if admin_email:
        try:
            validate_email(admin_email)
        except ValidationError:
            errors["admin_email"] = _("Enter a valid email address (邮箱格式不正确).")
    return errors


@dataclass
class Onboarded:
    unit: Unit
    invitation: Invitation | None
    invite_url: str


@transaction.atomic
def unit_onboard(*, name: str, slug: str, unit_type: str = Unit.UnitType.BUREAU, credit_code: str = "",
                 module_keys: list[str] | tuple[str, ...] = (), admin_email: str = "", admin_name: str = "",
                 contact_name: str = "", contact_phone: str = "", actor=None, check_actor: bool = True,
                 send_invite: bool = True) -> Onboarded:
    """Create a unit: schema cloned from the template, modules on, first admin invited."""
    if check_actor:
        require_operator(actor)
    slug = normalise_slug(slug)
    credit_code = (credit_code or "").strip().upper()
    module_keys = list(dict.fromkeys(module_keys))
    errors = validate_unit_fields(name=name, slug=slug, credit_code=credit_code, unit_type=unit_type,
                                  module_keys=module_keys, admin_email=admin_email)
    if errors:
        raise ValidationError(errors)
    with schema_context("public"):
        # Before the unit row is inserted: its schema's foreign keys lock public tables, and
        # every schema maker must take those locks in one order (tenants.pool says why).
        lock_referenced_tables()
        portal = Unit.objects.get(schema_name="public")
        unit = Unit(
            name=name.strip(), slug=slug, schema_name="u_" + slug.replace("-", "_"), credit_code=credit_code,
            unit_type=unit_type, district=portal.district, owner=system_user(),
            contact_name=contact_name, contact_phone=contact_phone, contact_email=admin_email,
        )
        unit.save(verbosity=0)  # clones the template schema
        Domain.objects.create(domain=unit_host(slug), tenant=unit, is_primary=True)
        UnitModule.objects.bulk_create(
            [UnitModule(unit=unit, module_key=k, enabled=True, changed_by=_pk_user(actor)) for k in module_keys]
        )
        _modules_switched_on(unit, module_keys)
        audit_record(action="unit.create", actor=actor, obj=unit,
                     after={"name": unit.name, "slug": slug, "type": unit_type, "modules": module_keys})
        invitation, url = (None, "")
        if admin_email:
            invitation, url = invitation_create(unit=unit, email=admin_email, name=admin_name,
                                                role_keys=[UNIT_ADMIN], actor=actor, check_actor=False,
                                                send=send_invite)
    return Onboarded(unit=unit, invitation=invitation, invite_url=url)


def _modules_switched_on(unit: Unit, module_keys: list[str]) -> None:
    """Tell the modules, in the unit's schema and the caller's transaction, that they are on
    there (e.g. assets writes the unit's roll-up summary rows at once)."""
    with schema_context(unit.schema_name):
        for key in module_keys:
            emit(MODULE_SWITCHED_ON, unit_id=unit.pk, module_key=key)


def _pk_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def unit_module_set(*, unit: Unit, module_key: str, enabled: bool, actor) -> None:
    require_operator(actor)
    with schema_context("public"):  # district actions are audited in the district's trail
        _unit_module_set(unit=unit, module_key=module_key, enabled=enabled, actor=actor)
    enabled_modules_forget(unit)


def _unit_module_set(*, unit: Unit, module_key: str, enabled: bool, actor) -> None:
    if get_module(module_key) is None:
        raise ValidationError(_("Unknown module: %(m)s (未知模块)") % {"m": module_key})
    switch, created = UnitModule.objects.select_for_update().get_or_create(
        unit=unit, module_key=module_key, defaults={"enabled": enabled, "changed_by": actor}
    )
    before = None if created else switch.enabled
    if not created and switch.enabled != enabled:
        switch.enabled = enabled
        switch.changed_by = actor
        switch.save()
    if enabled and before is not True:
        enabled_modules_forget(unit)
        _modules_switched_on(unit, [module_key])
    if before != enabled:
        audit_record(action="unit.module", actor=actor, obj=unit, object_repr=f"{unit.name}:{module_key}",
                     before={module_key: before}, after={module_key: enabled})


@transaction.atomic
def unit_status_set(*, unit: Unit, status: str, actor) -> None:
    require_operator(actor)
    if status not in Unit.Status.values or unit.is_district_portal:
        raise ValidationError(_("Invalid status."))
    before = unit.status
    if before == status:
        return
    unit.status = status
    with schema_context("public"):
        unit.save(update_fields=["status", "modified"])
        audit_record(action="unit.status", actor=actor, obj=unit, before={"status": before}, after={"status": status})


def _refuse_if_archived(unit: Unit) -> None:
    # An archived unit takes no new members: its link may have been sent before it closed.
    if unit.status == Unit.Status.ARCHIVED:
        raise ValidationError(_("%(unit)s has been archived: it takes no new members and its invitations can no "
                                "longer be accepted (该单位已归档，不再接受新成员，邀请已失效).") % {"unit": unit.name},
                              code="unit_archived")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, unit: Unit, email: str, name: str = "", role_keys: list[str], actor,
                      check_actor: bool = True, send: bool = True) -> tuple[Invitation, str]:
    """A one-time link to join ``unit``; returns the invitation and the link (shown once)."""
    if check_actor:
        require_operator(actor)
    _refuse_if_archived(unit)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        unit=unit, email=email.strip().lower(), name=name, role_keys=list(role_keys),
        token_hash=_token_hash(token), created_by=_pk_user(actor),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    url = district_url(f"/invite/{token}/")
    audit_record(action="invitation.create", actor=actor, obj=unit, object_repr=f"{unit.name} ← {email}",
                 after={"email": invitation.email, "roles": list(role_keys)})
    if send:
        # Sent after commit: a rolled-back onboarding must not mail a dead link.
        transaction.on_commit(lambda: send_mail(
            subject=f"政通：{unit.name} 邀请您加入 / Invitation to {unit.name}",
            message=f"请打开以下链接设置密码（{settings.INVITATION_VALID_DAYS}天内有效）：\n{url}\n\n"
                    f"Open this link to set your password (valid {settings.INVITATION_VALID_DAYS} days):\n{url}\n",
            from_email=None, recipient_list=[invitation.email], fail_silently=True,
        ))
    return invitation, url


def invitation_lookup(token: str) -> Invitation | None:
    inv = Invitation.objects.select_related("unit").filter(token_hash=_token_hash(token)).first()
    if inv is None or inv.accepted_at is not None or inv.expires_at < timezone.now():
        return None
    return inv


@transaction.atomic
def invitation_accept(*, token: str, name: str, password: str) -> User:
    """Set up the account (or reuse an existing one) and join the unit with the roles."""
    from django.contrib.auth.password_validation import validate_password

    with schema_context("public"):
        inv = Invitation.objects.select_for_update().select_related("unit").filter(
            token_hash=_token_hash(token)).first()
        if inv is None or inv.accepted_at is not None or inv.expires_at < timezone.now():
            raise ValidationError(_("This invitation link is invalid or has expired (邀请链接无效或已过期)."))
        _refuse_if_archived(inv.unit)
        user = User.objects.filter(email=inv.email).first()
        if user is None:
            validate_password(password, User(email=inv.email, name=name))
            user = User.objects.create_user(email=inv.email, password=password, name=name)
            user.password_changed_at = timezone.now()
            user.save(update_fields=["password_changed_at"])
            audit_record(action="user.create", actor=user, obj=user, after={"email": user.email, "name": name})
        elif not user.check_password(password):
            # An existing account joins with its own password, so a link cannot reset it.
            raise ValidationError(_("This email already has an account: enter its current password "
                                    "(该邮箱已有账户，请输入原密码)."))
        if inv.created_by_id == user.pk:
            # Otherwise an administrator could grant roles to themselves by inviting their own
            # address (三员: nobody changes their own roles).
            raise ValidationError(_("An invitation cannot be accepted by the person who sent it "
                                    "(不能接受自己发出的邀请)."))
        inv.accepted_at = timezone.now()
        inv.accepted_by = user
        inv.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(action="invitation.accept", actor=user, obj=inv.unit,
                     object_repr=f"{inv.unit.name} ← {user.email}")
    existing = set()
    with schema_context(inv.unit.schema_name):
        if inv.unit.user_set.filter(pk=user.pk).exists():
            existing = set(user.role_keys)
    # 三员 roles in the invitation wait for the district security administrator's confirmation,
    # asked by whoever sent it (one person alone does not make an administrator).
    member_roles_set(unit=inv.unit, user=user, role_keys=existing | set(inv.role_keys), actor=user,
                     enforce_grantor=False, three_admins_asked_by=inv.created_by)
    return user
