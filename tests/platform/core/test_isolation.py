"""Units are separate: same ids in two units never leak, non-members get 404, roles and
object permissions are per unit and stored in the unit's own schema."""
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST
from zhengtong.core.permissions import visible


def test_same_ids_in_two_units_never_cross(alpha, beta, make_user, make_asset, client_for):
    officer_a = make_user(alpha, ["assets.asset_officer"])
    officer_b = make_user(beta, ["assets.asset_officer"])
    make_asset(alpha, pk=1001, name="甲的打印机")
    make_asset(beta, pk=1001, name="乙的投影仪")

    a = client_for(officer_a, ALPHA_HOST)
    body = a.get("/m/assets/1001/").content.decode()
    assert "甲的打印机" in body and "乙的投影仪" not in body
    listing = a.get("/m/assets/").content.decode()
    assert "甲的打印机" in listing and "乙的投影仪" not in listing

    # alpha's officer aiming at beta's host: not a member there → 404, nothing shown
    for path in ("/", "/m/assets/", "/m/assets/1001/", "/members/", "/modules/assets/rules/"):
        r = client_for(officer_a, BETA_HOST).get(path)
        assert r.status_code == 404, path
        assert "乙的投影仪" not in r.content.decode()

    b = client_for(officer_b, BETA_HOST)
    assert "乙的投影仪" in b.get("/m/assets/1001/").content.decode()


def test_non_member_login_on_unit_host_is_refused_like_a_wrong_password(alpha, beta, make_user, client_for):
    from django.test import Client

    from tests.conftest import PASSWORD

    user_a = make_user(alpha, ["assets.custodian"], email="only-alpha@test.cn")
    r = Client(HTTP_HOST=BETA_HOST).post("/accounts/login/", {"username": user_a.email, "password": PASSWORD})
    assert r.status_code == 200
    assert "_auth_user_id" not in r.wsgi_request.session
    r = Client(HTTP_HOST=ALPHA_HOST).post("/accounts/login/", {"username": user_a.email, "password": PASSWORD})
    assert r.status_code == 302


def test_anonymous_is_sent_to_login(alpha):
    from django.test import Client

    r = Client(HTTP_HOST=ALPHA_HOST).get("/m/assets/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_unknown_host_is_404(db):
    from django.test import Client

    assert Client(HTTP_HOST="nosuch.zt.test").get("/").status_code == 404


def test_same_user_has_different_roles_per_unit(alpha, beta, make_user, make_asset, client_for):
    from zhengtong.accounts.services import member_roles_set

    user = make_user(alpha, ["assets.asset_officer"])
    member_roles_set(unit=beta, user=user, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
    make_asset(alpha, pk=2001, name="甲资产")
    make_asset(beta, pk=2001, name="乙资产")  # not in the user's custody

    with schema_context(alpha.schema_name):
        assert user.has_perm("assets.change_asset")
        assert user.role_keys == {"assets.asset_officer"}
    with schema_context(beta.schema_name):
        assert not user.has_perm("assets.change_asset")
        assert user.role_keys == {"assets.custodian"}

    assert client_for(user, ALPHA_HOST).get("/m/assets/2001/").status_code == 200
    assert client_for(user, BETA_HOST).get("/m/assets/2001/").status_code == 404
    # the unit switcher offers both
    body = client_for(user, ALPHA_HOST).get("/").content.decode()
    assert "甲单位" in body and "乙单位" in body


def test_object_permissions_live_in_the_unit_schema(alpha, beta, make_user, make_asset):
    custodian = make_user(alpha, ["assets.custodian"])
    member_b = make_user(beta, ["assets.custodian"])
    asset = make_asset(alpha, pk=3001, custodian=custodian)
    make_asset(beta, pk=3001, name="乙资产")
    with connection.cursor() as cur:
        # Cards keep their grants in a direct-FK table (modules/assets/models.py); other objects
        # in guardian's generic one. Both exist only in unit schemas.
        for table in ("guardian_userobjectpermission", "assets_assetuserobjectpermission"):
            cur.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = %s ORDER BY 1",
                        [table])
            schemas = [r[0] for r in cur.fetchall()]
            assert "public" not in schemas and {"u_alpha", "u_beta", "unit_template"} <= set(schemas)
        cur.execute("SELECT count(*) FROM u_alpha.assets_assetuserobjectpermission WHERE user_id = %s",
                    [custodian.pk])
        assert cur.fetchone()[0] == 2
        cur.execute("SELECT count(*) FROM u_beta.assets_assetuserobjectpermission WHERE user_id = %s",
                    [custodian.pk])
        assert cur.fetchone()[0] == 0
    with schema_context(alpha.schema_name):
        assert custodian.has_perm("assets.view_asset", asset)
    # The same id in beta: the grant on alpha's asset 3001 gives nothing there.
    with schema_context(beta.schema_name):
        from modules.assets.models import Asset

        beta_asset = Asset.objects.get(pk=3001)
        assert not custodian.has_perm("assets.view_asset", beta_asset)
        assert not visible(custodian, "assets.view_asset", Asset.objects.all()).exists()
        assert not visible(member_b, "assets.view_asset", Asset.objects.all()).exists()


def test_custodian_sees_only_assets_in_their_custody(alpha, make_user, make_asset, client_for):
    custodian = make_user(alpha, ["assets.custodian"])
    other = make_user(alpha, ["assets.custodian"])
    make_asset(alpha, name="我的笔记本", custodian=custodian)
    theirs = make_asset(alpha, name="别人的相机", custodian=other)
    c = client_for(custodian)
    listing = c.get("/m/assets/").content.decode()
    assert "我的笔记本" in listing and "别人的相机" not in listing
    assert c.get(f"/m/assets/{theirs.pk}/").status_code == 404
