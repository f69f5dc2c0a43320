"""三员分立 (GB/T 22239-2019 8.1.4.2 and the three administrators): a role × action matrix.

System administrator: members — not roles, not business data, not the audit trail.
Security administrator: roles, lockouts, policy — never for themselves, no business data,
no audit trail. Audit administrator: reads the trail — nothing else. Each allowed write and
each refused page is in the trail. A row whose route no longer resolves FAILS (a renamed route
must take its row along; a skip would silently drop the check).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from zhengtong.audit.models import AuditEvent

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


def role_changes_view(ctx):
    return ctx.client.get("/security/roles/").status_code == 200


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
    "security.role_changes": (role_changes_view, "/security/roles/", False, {SECURITY}),
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
    "security.role_requests": (role_changes_view, "/security/roles/", False, {D_SECURITY}),
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
    from tests.conftest import PASSWORD

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


# ---------------------------------------------------------------- granting the 三员 roles


def _pending(unit, user):
    from zhengtong.accounts.models import RoleRequest

    return list(RoleRequest.objects.filter(unit=unit, user=user, status="pending"))


def _fresh_roles(unit, user) -> set[str]:
    with schema_context(unit.schema_name):
        user.__dict__.pop("_tenant_cache", None)
        from tenant_users.permissions.models import UserTenantPermissions

        return set(UserTenantPermissions.objects.get(profile=user).groups.values_list("name", flat=True))


@pytest.mark.parametrize("asker_role", ["platform.unit_admin", SECURITY])
def test_a_unit_grantor_alone_cannot_make_someone_a_three_admin_the_district_confirms(
        alpha, make_user, client_for, asker_role):
    asker = make_user(alpha, [asker_role])
    member = make_user(alpha, ["assets.custodian"])
    r = client_for(asker).post(f"/members/{member.pk}/roles/", {"role_keys": [SECURITY, "assets.custodian"]},
                               follow=True)
    assert "区级安全管理员确认" in r.content.decode()
    assert _fresh_roles(alpha, member) == {"assets.custodian"}  # nothing granted yet
    [request] = _pending(alpha, member)
    assert request.role_keys == [SECURITY] and request.requested_by_id == asker.pk
    page = client_for(asker).get(f"/members/{member.pk}/roles/").content.decode()
    assert "等待区级安全管理员确认" in page or "Waiting for the district security administrator" in page
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="role.request", actor_id=asker.pk, object_id=str(member.pk)).exists()
        assert not AuditEvent.objects.filter(action="role.change", object_id=str(member.pk),
                                             after__roles__contains=[SECURITY]).exists()

    # the district security administrator sees it among every unit's waiting requests and confirms
    d_sec = make_user(district_roles=[D_SECURITY])
    c = client_for(d_sec, DISTRICT_HOST)
    assert member.email in c.get("/security/roles/").content.decode()
    r = c.post(f"/security/roles/{request.pk}/decide/", {"decision": "confirm"})
    assert r.status_code == 302
    assert _fresh_roles(alpha, member) == {SECURITY, "assets.custodian"}
    with schema_context(alpha.schema_name):
        change = AuditEvent.objects.filter(action="role.change", object_id=str(member.pk)).order_by("-id").first()
        assert change.actor_id == d_sec.pk and SECURITY in change.after["roles"]
        assert asker.email in change.detail  # who asked is on the record too
        assert AuditEvent.objects.filter(action="role.confirm", actor_id=d_sec.pk).exists()
    assert _pending(alpha, member) == []


def test_the_confirmer_is_neither_the_asker_nor_the_person_concerned(alpha, make_user, client_for):
    from django.core.exceptions import PermissionDenied

    from zhengtong.accounts.services import member_roles_set, role_request_decide

    # one person may be unit admin of alpha and district security admin (different scopes)
    both = make_user(alpha, ["platform.unit_admin"], district_roles=[D_SECURITY])
    member = make_user(alpha, [])
    member_roles_set(unit=alpha, user=member, role_keys=[AUDIT], actor=both)
    [request] = _pending(alpha, member)
    with pytest.raises(PermissionDenied):
        role_request_decide(request_id=request.pk, actor=both, confirm=True)
    # a district security admin asked to confirm their own appointment in a unit cannot either
    other_sec = make_user(alpha, [], district_roles=[D_SECURITY])
    member_roles_set(unit=alpha, user=other_sec, role_keys=[SYSTEM], actor=both)
    [own] = _pending(alpha, other_sec)
    with pytest.raises(PermissionDenied):
        role_request_decide(request_id=own.pk, actor=other_sec, confirm=True)
    # the unit's own security administrator does not confirm: the district does
    unit_sec = make_user(alpha, [SECURITY])
    with pytest.raises(PermissionDenied):
        role_request_decide(request_id=request.pk, actor=unit_sec, confirm=True)
    assert client_for(unit_sec).post(f"/security/roles/{request.pk}/decide/",
                                     {"decision": "confirm"}).status_code == 404
    assert _fresh_roles(alpha, member) == set() and _fresh_roles(alpha, other_sec) == set()
    with schema_context("public"):
        assert AuditEvent.objects.filter(action="role.confirm", result="denied", actor_id=both.pk).exists()
    # a second district security admin may; a refusal leaves the roles as they were
    third = make_user(district_roles=[D_SECURITY])
    role_request_decide(request_id=own.pk, actor=third, confirm=False)
    role_request_decide(request_id=request.pk, actor=third, confirm=True)
    assert _fresh_roles(alpha, member) == {AUDIT} and _fresh_roles(alpha, other_sec) == set()


def test_removing_a_three_admin_role_also_waits_and_other_roles_change_at_once(alpha, make_user, client_for):
    admin = make_user(alpha, ["platform.unit_admin"])
    auditor = make_user(alpha, [AUDIT])
    client_for(admin).post(f"/members/{auditor.pk}/roles/", {"role_keys": ["assets.custodian"]})
    # the unit admin alone cannot take the auditor's role away either (the auditor audits them)
    assert _fresh_roles(alpha, auditor) == {AUDIT, "assets.custodian"}
    [request] = _pending(alpha, auditor)
    assert request.role_keys == [] and request.before_keys == [AUDIT]


def test_three_admin_roles_in_an_invitation_wait_for_the_districts_confirmation(alpha, make_user, client_for):
    import secrets

    from tenants.models import Invitation
    from tenants.services import _token_hash, invitation_accept
    from tests.conftest import PASSWORD

    sec = make_user(alpha, [SECURITY])
    r = client_for(sec).post("/members/invite/", {"email": "new-auditor@test.cn", "name": "新审计",
                                                  "role_keys": [AUDIT, "assets.custodian"]})
    assert r.status_code == 302
    token = secrets.token_urlsafe(16)
    Invitation.objects.filter(unit=alpha, email="new-auditor@test.cn").update(token_hash=_token_hash(token))
    person = invitation_accept(token=token, name="新审计", password=PASSWORD)
    assert _fresh_roles(alpha, person) == {"assets.custodian"}
    [request] = _pending(alpha, person)
    assert request.role_keys == [AUDIT] and request.requested_by_id == sec.pk


def test_the_units_security_admin_sees_every_role_change(alpha, make_user, client_for):
    admin = make_user(alpha, ["platform.unit_admin"])
    member = make_user(alpha, [], name="角色变更对象")
    client_for(admin).post(f"/members/{member.pk}/roles/", {"role_keys": ["assets.asset_officer"]})
    client_for(admin).post(f"/members/{member.pk}/roles/", {"role_keys": ["assets.asset_officer", SYSTEM]})
    client_for(admin).post(f"/members/{admin.pk}/roles/", {"role_keys": ["platform.unit_admin", "assets.custodian"]})
    sec = make_user(alpha, [SECURITY])
    page = client_for(sec).get("/security/roles/").content.decode()
    assert page.count("角色变更对象") >= 3  # the change, the request (waiting list and trail)
    assert "role.change" in page and "role.request" in page and "role.grant" in page  # incl. the refused one
    assert "资产专管员" in page  # roles by name
    # the sidebar leads there
    assert "/security/roles/" in client_for(sec).get("/").content.decode()
