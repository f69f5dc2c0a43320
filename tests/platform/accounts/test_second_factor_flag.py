"""Whether a person needs the second factor spans every unit they belong to. It is kept on the
account between role changes (issue 12: asking it on every request was a query over all their
units' schemas, so a member of many units paid for each of them on every page), and a role
write clears it: a role that needs the second factor asks for it on the very next request."""
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import ALPHA_HOST


def _signed_in(user, host=ALPHA_HOST):
    client = Client(HTTP_HOST=host)
    client.force_login(user)  # signed in, no second factor verified in this session
    return client


def test_the_flag_is_computed_once_then_kept(alpha, beta, make_user):
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    one = make_user(alpha, [])
    two = make_user(alpha, [])
    member_roles_set(unit=beta, user=two, role_keys=[], actor=None, enforce_grantor=False)
    for user in (one, two):
        assert User.objects.get(pk=user.pk).second_factor_role_held is None
        assert _signed_in(user).get("/").status_code == 200
        assert User.objects.get(pk=user.pk).second_factor_role_held is False

    def page_queries(user):
        client = _signed_in(user)
        client.get("/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    queries_one, queries_two = page_queries(one), page_queries(two)
    assert len(queries_one) == len(queries_two)
    assert not [q for q in queries_two if "UNION ALL" in q and "usertenantpermissions" in q]


def test_a_role_needing_the_second_factor_asks_for_it_at_once(alpha, beta, make_user):
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    user = make_user(alpha, [])
    client = _signed_in(user)
    assert client.get("/").status_code == 200
    assert User.objects.get(pk=user.pk).second_factor_role_held is False

    # An administrator role in another unit: the session is valid there too.
    member_roles_set(unit=beta, user=user, role_keys=["platform.unit_admin"], actor=None, enforce_grantor=False)
    assert User.objects.get(pk=user.pk).second_factor_role_held is None
    r = client.get("/")
    assert r.status_code == 302 and "/accounts/2fa/" in r["Location"]
    assert User.objects.get(pk=user.pk).second_factor_role_held is True
