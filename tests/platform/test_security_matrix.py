"""三员分立 (GB/T 22239-2019 8.1.4.2 and the three administrators): a role × action matrix.

System administrator: members — not roles, not business data, not the audit trail.
Security administrator: roles, lockouts, policy — never for themselves, no business data,
no audit trail. Audit administrator: reads the trail — nothing else. Each allowed write and
each refused page is in the trail. A row whose route no longer resolves FAILS (a renamed route
must take its row along; a skip would silently drop the check).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.audit.models import AuditEvent

from ..conftest import ALPHA_HOST, DISTRICT_HOST

ASSET_NAME = "三员矩阵测试资产"
SYSTEM, SECURITY, AUDIT = "platform.system_admin", "platform.security_admin", "platform.audit_admin"
D_OPERATOR, D_SYSTEM, D_SECURITY, D_AUDIT = ("district.operator", "district.system_admin",
                                             "district.security_admin", "district.audit_admin")


@dataclass
class Ctx:
    unit: object
    actor: object
    target: object  # another member of the unit
    asset: object
    client: object


def _locked_attempt(key: str):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        username=key, ip_address="127.0.0.1", user_agent="pytest", get_data="", post_data="", http_accept="",
        path_info="/accounts/login/", failures_since_start=5, attempt_time=timezone.now())


def _roles_of(ctx, user) -> set[str]:
    with schema_context(ctx.unit.schema_name):
        from tenant_users.permissions.models import UserTenantPermissions

        return set(UserTenantPermissions.objects.get(profile=user).groups.values_list("name", flat=True))


# Each action does what a person in that role would try and answers "did it work?".
def members_view(ctx):
    return ctx.client.get("/members/").status_code == 200


def roles_view(ctx):
    return ctx.client.get(f"/members/{ctx.target.pk}/roles/").status_code == 200


def roles_grant(ctx):
    ctx.client.post(f"/members/{ctx.target.pk}/roles/", {"role_keys": ["assets.asset_officer"]})
    return _roles_of(ctx, ctx.target) == {"assets.asset_officer"}


def roles_grant_self(ctx):
    mine = _roles_of(ctx, ctx.actor)
    ctx.client.post(f"/members/{ctx.actor.pk}/roles/", {"role_keys": [*mine, "assets.asset_officer"]})
    return "assets.asset_officer" in _roles_of(ctx, ctx.actor)


def member_invite(ctx):
    from tenants.models import Invitation

    ctx.client.post("/members/invite/", {"email": "new-member@test.cn", "name": "新成员",
                                         "role_keys": ["assets.custodian"]})
    return Invitation.objects.filter(unit=ctx.unit, email="new-member@test.cn").exists()


def rules_edit(ctx):
    return ctx.client.get("/modules/assets/rules/").status_code == 200


def assets_list(ctx):
    r = ctx.client.get("/m/assets/")
    return r.status_code == 200 and ASSET_NAME in r.content.decode()


def asset_detail(ctx):
    r = ctx.client.get(f"/m/assets/{ctx.asset.pk}/")
    return r.status_code == 200 and ASSET_NAME in r.content.decode()


def asset_create(ctx):
    return ctx.client.get("/m/assets/new/").status_code == 200


def audit_trail(ctx):
    return ctx.client.get("/audit/").status_code == 200


def audit_export(ctx):
    return ctx.client.get("/audit/export/csv/").status_code == 200


def lockouts_view(ctx):
    return ctx.client.get("/security/lockouts/").status_code == 200


def lockout_unlock(ctx):
    from axes.models import AccessAttempt

    attempt = _locked_attempt(ctx.target.email)
    ctx.client.post(f"/security/lockouts/{attempt.pk}/unlock/")
    return not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def units_list(ctx):
    return ctx.client.get("/units/").status_code == 200


def unit_onboard_page(ctx):
    return ctx.client.get("/units/new/").status_code == 200


def assets_rollup(ctx):
    return ctx.client.get("/assets/").status_code == 200


def policy_view(ctx):
    return ctx.client.get("/security/policy/").status_code == 200


def policy_change(ctx):
    from zhengtong.security.selectors import security_policy

    values = {f: getattr(security_policy(), f) for f in ("min_length", "min_classes", "max_age_days",
                                                         "history_count", "lockout_threshold", "lockout_minutes",
                                                         "idle_timeout_minutes", "session_lifetime_hours",
                                                         "dormant_days")}
    ctx.client.post("/security/policy/", {**values, "min_length": 10})
    return security_policy().min_length == 10


def second_factor_reset(ctx):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.support.two_factor import confirmed_device

    confirmed_device(ctx.target)
    ctx.client.post("/security/two-factor/reset/", {"email": ctx.target.email})
    return not TOTPDevice.objects.filter(user=ctx.target).exists()


# (action, path that must exist for the row to run, whether it writes) → who may.
UNIT_MATRIX: dict[str, tuple[Callable, str, bool, set[str]]] = {
    "members.view": (members_view, "/members/", False, {SYSTEM, SECURITY}),
    "roles.view": (roles_view, "/members/1/roles/", False, {SYSTEM, SECURITY}),
    "roles.grant": (roles_grant, "/members/1/roles/", True, {SECURITY}),
    "roles.grant_to_self": (roles_grant_self, "/members/1/roles/", True, set()),
    "members.invite": (member_invite, "/members/invite/", True, {SECURITY}),
    "module_rules.edit": (rules_edit, "/modules/assets/rules/", False, set()),
    "assets.list": (assets_list, "/m/assets/", False, set()),
    "assets.detail": (asset_detail, "/m/assets/1/", False, set()),
    "assets.create": (asset_create, "/m/assets/new/", False, set()),
    "audit.trail": (audit_trail, "/audit/", False, {AUDIT}),
    "audit.export": (audit_export, "/audit/export/csv/", False, {AUDIT}),
    "security.lockouts": (lockouts_view, "/security/lockouts/", False, {SECURITY}),
    "security.unlock": (lockout_unlock, "/security/lockouts/1/unlock/", True, {SECURITY}),
}
DISTRICT_MATRIX: dict[str, tuple[Callable, str, bool, set[str]]] = {
    "units.list": (units_list, "/units/", False, {D_OPERATOR}),
    "units.onboard": (unit_onboard_page, "/units/new/", False, {D_OPERATOR}),
    # Figures summed over units, never a card; the operator also serves the finance side (design).
    "assets.district_rollup": (assets_rollup, "/assets/", False, {D_OPERATOR}),
    "security.policy.view": (policy_view, "/security/policy/", False, {D_SECURITY}),
    "security.policy.change": (policy_change, "/security/policy/", True, {D_SECURITY}),
    "security.lockouts": (lockouts_view, "/security/lockouts/", False, {D_SECURITY}),
    "security.2fa_reset": (second_factor_reset, "/security/two-factor/reset/", True, {D_SECURITY}),
    "audit.trail": (audit_trail, "/audit/", False, {D_AUDIT}),
    "audit.export": (audit_export, "/audit/export/csv/", False, {D_AUDIT}),
}


def _route_exists(path: str, urlconf: str) -> bool:
    try:
        resolve(path, urlconf=urlconf)
    except Resolver404:
        return False
    return True


def _denials(schema: str, actor) -> int:
    with schema_context(schema):
        return AuditEvent.objects.filter(actor_id=actor.pk, result="denied").count()


def _successes(actor) -> int:
    n = 0
    for schema in ("public", "u_alpha"):
        with schema_context(schema):
            n += AuditEvent.objects.filter(actor_id=actor.pk, result="success").exclude(
                action__in=("auth.login", "auth.logout")).count()  # the fixture's own sign-in
    return n


@pytest.mark.parametrize("role", [SYSTEM, SECURITY, AUDIT])
@pytest.mark.parametrize("action_name", list(UNIT_MATRIX))
def test_unit_three_administrators_matrix(alpha, make_user, make_asset, client_for, role, action_name):
    action, probe, writes, who = UNIT_MATRIX[action_name]
    assert _route_exists(probe, "zhengtong.urls_tenant"), (
        f"{probe} no longer resolves: move the row {action_name} to the new route")
    actor = make_user(alpha, [role])
    ctx = Ctx(unit=alpha, actor=actor, target=make_user(alpha, ["assets.custodian"]),
              asset=make_asset(alpha, name=ASSET_NAME), client=client_for(actor, ALPHA_HOST))
    denied_before = _denials(alpha.schema_name, actor)
    done_before = _successes(actor)
    assert action(ctx) is (role in who), f"{role} {action_name}"
    if role in who and writes:
        assert _successes(actor) > done_before, "an allowed write must be in the trail"
    if role not in who and writes:
        assert _denials(alpha.schema_name, actor) > denied_before, "a refused write must be in the trail"


@pytest.mark.parametrize("role", [D_OPERATOR, D_SYSTEM, D_SECURITY, D_AUDIT])
@pytest.mark.parametrize("action_name", list(DISTRICT_MATRIX))
def test_district_three_administrators_matrix(alpha, make_user, client_for, role, action_name):
    from tenants.models import Unit

    action, probe, writes, who = DISTRICT_MATRIX[action_name]
    assert _route_exists(probe, "zhengtong.urls_public"), (
        f"{probe} no longer resolves: move the row {action_name} to the new route")
    actor = make_user(district_roles=[role])
    portal = Unit.objects.get(schema_name="public")
    ctx = Ctx(unit=portal, actor=actor, target=make_user(alpha, ["platform.system_admin"]), asset=None,
              client=client_for(actor, DISTRICT_HOST))
    denied_before = _denials("public", actor)
    done_before = _successes(actor)
    assert action(ctx) is (role in who), f"{role} {action_name}"
    if role in who and writes:
        assert _successes(actor) > done_before, "an allowed write must be in the trail"
    if role not in who and writes:
        assert _denials("public", actor) > denied_before, "a refused write must be in the trail"


def test_refused_pages_are_in_the_trail(alpha, make_user, client_for):
    auditor = make_user(alpha, [AUDIT])
    assert client_for(auditor).get("/members/").status_code == 403
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(actor_id=auditor.pk, action="access.denied", result="denied",
                                         object_repr="/members/").exists()


@pytest.mark.parametrize("roles", [
    [SYSTEM, SECURITY], [SYSTEM, AUDIT], [SECURITY, AUDIT],
    ["platform.unit_admin", AUDIT], ["platform.unit_admin", SECURITY],
])
def test_no_person_holds_two_sides_in_a_unit(alpha, make_user, roles):
    from zhengtong.accounts.services import member_roles_set

    person = make_user(alpha, [])
    with pytest.raises(ValidationError) as exc:
        member_roles_set(unit=alpha, user=person, role_keys=roles, actor=None, enforce_grantor=False)
    assert exc.value.code == "three_admins" and "三员分立" in exc.value.messages[0]


@pytest.mark.parametrize("roles", [
    [D_SYSTEM, D_SECURITY], [D_SYSTEM, D_AUDIT], [D_SECURITY, D_AUDIT],
    [D_OPERATOR, D_AUDIT], [D_OPERATOR, D_SECURITY],
])
def test_no_person_holds_two_sides_in_the_district(make_user, roles):
    from tenants.models import Unit
    from zhengtong.accounts.services import member_roles_set

    person = make_user()
    with pytest.raises(ValidationError):
        member_roles_set(unit=Unit.objects.get(schema_name="public"), user=person, role_keys=roles, actor=None,
                         enforce_grantor=False)


def test_same_side_roles_combine(alpha, make_user):
    from tenants.models import Unit
    from zhengtong.accounts.services import member_roles_set

    person = make_user(alpha, ["platform.unit_admin", SYSTEM])
    member_roles_set(unit=Unit.objects.get(schema_name="public"), user=person, role_keys=[D_OPERATOR, D_SYSTEM],
                     actor=None, enforce_grantor=False)


def test_the_security_admin_cannot_make_someone_a_second_kind_of_admin(alpha, make_user, client_for):
    sec = make_user(alpha, [SECURITY])
    auditor = make_user(alpha, [AUDIT])
    r = client_for(sec).post(f"/members/{auditor.pk}/roles/", {"role_keys": [AUDIT, SYSTEM]})
    assert r.status_code == 200 and "三员分立" in r.content.decode()
    with schema_context(alpha.schema_name):
        assert auditor.role_keys == {AUDIT}


def test_an_administrator_cannot_grant_themselves_roles_by_inviting_their_own_address(alpha, make_user,
                                                                                      client_for):
    import secrets

    from tenants.models import Invitation
    from tenants.services import _token_hash, invitation_accept

    from ..conftest import PASSWORD

    sec = make_user(alpha, [SECURITY])
    r = client_for(sec).post("/members/invite/", {"email": sec.email, "role_keys": ["assets.asset_officer"]})
    assert r.status_code == 302
    # The link goes by mail after commit; give the invitation a token this test knows.
    token = secrets.token_urlsafe(16)
    Invitation.objects.filter(unit=alpha, email=sec.email).update(token_hash=_token_hash(token))
    with pytest.raises(ValidationError):
        invitation_accept(token=token, name="自己", password=PASSWORD)
    with schema_context(alpha.schema_name):
        assert sec.role_keys == {SECURITY}
