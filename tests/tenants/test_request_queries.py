"""A unit's page costs the same platform queries whatever the number of units in the district and
of units the person belongs to (issue 12, item 4), and whatever a page reads about its unit
(modules switched on, security policy, status, the person's roles) is current on the very next
request — also when another connection changed it: no process keeps an answer that a change
elsewhere could leave stale, so nothing stale can grant access."""
from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from tests.conftest import ALPHA_HOST
from tests.support.committed import drop_users
from tests.support.units import unit_rows

PAGES = ("/", "/m/assets/")  # the workbench and the asset register


def _committed(change) -> None:
    """Run ``change`` on a connection of its own, committed before this returns: what another web
    process or a worker would do while this test's transaction is open."""
    failures = []

    def run():
        try:
            change()
        except Exception as exc:  # pragma: no cover - re-raised below
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def _more_units(alpha, count: int):
    # Rows only: a page of alpha reads no other unit's schema.
    return unit_rows(alpha, count, name="计数单位", slug="count", module_keys=("assets", "inspection"))


def _queries(client, path: str) -> list[str]:
    client.get(path)  # warm: session, the second-factor flag
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return [q["sql"] for q in ctx.captured_queries]


def _platform_queries(sqls: list[str]) -> list[str]:
    """The statements a page makes about the unit, the person and their session, whatever the page."""
    platform_tables = ("tenants_", "accounts_user", "django_session", "security_", "otp_", "permissions_",
                       "auth_group", "notifications_", "set_config")
    return [s for s in sqls if any(t in s for t in platform_tables)]


def test_a_page_makes_the_same_queries_at_2_and_at_12_units(alpha, make_user, client_for):
    from tenants.models import Unit

    officer = make_user(alpha, ["assets.asset_officer"])
    client = client_for(officer, ALPHA_HOST)
    at_two = {path: _queries(client, path) for path in PAGES}
    _more_units(alpha, 10)
    assert Unit.objects.exclude(schema_name="public").count() >= 12
    at_twelve = {path: _queries(client, path) for path in PAGES}

    for path in PAGES:
        assert len(at_twelve[path]) == len(at_two[path]), path
    # The host's unit comes with its modules and the security policy in one statement; then the
    # session, the person, their second-factor device, membership, roles and permissions (5), the
    # audit context (set and cleared), the switcher (2) and the inbox count: 15 in all.
    platform = _platform_queries(at_twelve["/"])
    assert len(platform) <= 15, "\n".join(platform)
    assert not [s for s in at_twelve["/"] if s.startswith(('SELECT "tenants_unitmodule"', 'SELECT "security_'))]


def test_a_member_of_ten_units_makes_the_same_queries_as_a_member_of_one(alpha, make_user, client_for):
    one = make_user(alpha, ["assets.asset_officer"])
    ten = make_user(alpha, ["assets.asset_officer"])
    ten.tenants.add(*_more_units(alpha, 9))
    assert ten.tenants.count() == one.tenants.count() + 9

    for path in PAGES:
        assert len(_queries(client_for(ten, ALPHA_HOST), path)) == len(_queries(client_for(one, ALPHA_HOST), path))


@pytest.fixture
def alpha_modules_restored(alpha):
    from tenants.models import UnitModule

    before = list(UnitModule.objects.filter(unit=alpha).values_list("module_key", "enabled"))
    yield
    _committed(lambda: [UnitModule.objects.filter(unit_id=alpha.pk, module_key=key).update(enabled=enabled)
                        for key, enabled in before])


def test_a_module_switched_off_by_another_connection_is_gone_on_the_next_request(
        alpha, make_user, client_for, alpha_modules_restored):
    from tenants.models import UnitModule

    client = client_for(make_user(alpha, ["assets.asset_officer"]), ALPHA_HOST)
    assert client.get("/m/assets/").status_code == 200
    assert "/m/assets/" in client.get("/").content.decode()

    _committed(lambda: UnitModule.objects.filter(unit_id=alpha.pk, module_key="assets").update(enabled=False))

    assert client.get("/m/assets/").status_code == 404
    assert "/m/assets/" not in client.get("/").content.decode()  # nor in the sidebar


def test_a_module_switched_off_by_the_operator_is_gone_on_the_next_request(alpha, operator, make_user, client_for):
    from tenants.services import unit_module_set

    client = client_for(make_user(alpha, ["assets.asset_officer"]), ALPHA_HOST)
    assert client.get("/m/assets/").status_code == 200
    unit_module_set(unit=alpha, module_key="assets", enabled=False, actor=operator)
    assert client.get("/m/assets/").status_code == 404


@pytest.fixture
def policy_restored():
    from zhengtong.security.models import SecurityPolicy

    before = SecurityPolicy.objects.filter(pk=1).values().first()
    yield

    def restore():
        if before is None:
            SecurityPolicy.objects.filter(pk=1).delete()
        else:
            SecurityPolicy.objects.filter(pk=1).update(**before)

    _committed(restore)


def test_a_policy_tightened_by_another_connection_applies_on_the_next_request(
        alpha, make_user, client_for, policy_restored):
    """The idle timeout goes from 30 to 5 minutes while a session has been idle for 10."""
    import time

    from zhengtong.security.middleware import SEEN_AT
    from zhengtong.security.models import SecurityPolicy

    client = client_for(make_user(alpha, ["assets.asset_officer"]), ALPHA_HOST)
    _committed(lambda: SecurityPolicy.objects.update_or_create(pk=1, defaults={"idle_timeout_minutes": 30}))
    session = client.session
    session[SEEN_AT] = int(time.time()) - 10 * 60
    session.save()
    assert client.get("/m/assets/").status_code == 200  # idle 10 minutes of 30: still signed in
    session = client.session
    session[SEEN_AT] = int(time.time()) - 10 * 60
    session.save()

    _committed(lambda: SecurityPolicy.objects.filter(pk=1).update(idle_timeout_minutes=5))

    response = client.get("/m/assets/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_role_removed_applies_on_the_next_request(alpha, make_user, client_for):
    from zhengtong.accounts.services import member_roles_set

    admin = make_user(alpha, ["platform.unit_admin"])
    client = client_for(admin, ALPHA_HOST)
    assert client.get("/members/").status_code == 200
    assert "/members/" in client.get("/").content.decode()
    member_roles_set(unit=alpha, user=admin, role_keys=[], actor=None, enforce_grantor=False)
    assert client.get("/members/").status_code == 403
    assert "/members/" not in client.get("/").content.decode()  # nor in the sidebar


@pytest.fixture
def committed_email(django_db_blocker):
    """An address for a person made on another connection; the account is deleted after the
    test's own transaction has rolled back (it holds row locks on the account until then)."""
    email = f"committed-{uuid.uuid4().hex[:12]}@test.cn"
    yield email

    def forget():
        from zhengtong.accounts.models import User

        drop_users(User.objects.filter(email=email))

    with django_db_blocker.unblock():
        _committed(forget)


def test_roles_and_membership_ended_by_another_connection_apply_on_the_next_request(
        committed_email, alpha, client_for):
    """A unit administrator made on another connection (committed) loses the role there, then
    the membership: the next page refuses the members list (403), then the unit (404, as for any
    non-member). The other connection touches only the unit's role tables and the membership:
    the person's account row stays locked by this test's sign-in."""
    from django_tenants.utils import tenant_context
    from tenant_users.permissions.models import UserTenantPermissions

    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    def join():
        user = User.objects.create_user(email=committed_email, password="Zt-test-Passw0rd", name="另一连接")
        member_roles_set(unit=alpha, user=user, role_keys=["platform.unit_admin"], actor=None,
                         enforce_grantor=False)

    def roles_cleared():
        with tenant_context(alpha):
            UserTenantPermissions.objects.get(profile__email=committed_email).groups.clear()

    def leave():
        with tenant_context(alpha):
            alpha.remove_user(User.objects.get(email=committed_email))

    _committed(join)
    client = client_for(User.objects.get(email=committed_email), ALPHA_HOST)
    assert client.get("/members/").status_code == 200
    _committed(roles_cleared)
    assert client.get("/members/").status_code == 403
    assert client.get("/m/assets/").status_code == 200  # still a member
    _committed(leave)
    assert client.get("/m/assets/").status_code == 404


@pytest.fixture
def alpha_status_restored(alpha):
    yield
    from tenants.models import Unit

    _committed(lambda: Unit.objects.filter(pk=alpha.pk).update(status=Unit.Status.ACTIVE))


def test_a_unit_archived_by_another_connection_is_closed_on_the_next_request(
        alpha, make_user, client_for, alpha_status_restored):
    from tenants.models import Unit

    client = client_for(make_user(alpha, ["assets.asset_officer"]), ALPHA_HOST)
    assert client.get("/m/assets/").status_code == 200

    _committed(lambda: Unit.objects.filter(pk=alpha.pk).update(status=Unit.Status.ARCHIVED))

    response = client.get("/m/assets/")
    assert response.status_code == 403 and "归档" in response.content.decode()
