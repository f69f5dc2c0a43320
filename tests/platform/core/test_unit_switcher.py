"""A person who belongs to many units pays nothing for it on each page (issue 12, item 4):
the switcher lists a few units and points to a searchable page for the rest, and a page
costs the same queries for a member of 41 units as for a member of one. (Before, each page
rendered every membership and asked for each unit's domain: ~500 ms at 494 units.)"""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from tests.support.units import unit_rows

EXTRA = 40


@pytest.fixture
def many_units(alpha):
    """Unit rows a person can belong to, made without schemas: the switcher and the "my units"
    page read only these rows, and 40 real schemas would cost minutes of set-up."""
    return unit_rows(alpha, EXTRA, name="填充单位", slug="fill")


def _page_queries(client) -> tuple[int, str]:
    client.get("/")  # warm: session, caches
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/")
    assert r.status_code == 200
    return len(ctx.captured_queries), r.content.decode()


def test_a_member_of_many_units_costs_no_more_queries_per_page(alpha, many_units, make_user, client_for):
    one = make_user(alpha, ["assets.asset_officer"])
    many = make_user(alpha, ["assets.asset_officer"])
    many.tenants.add(*many_units)

    queries_one, _ = _page_queries(client_for(one, ALPHA_HOST))
    queries_many, page = _page_queries(client_for(many, ALPHA_HOST))

    assert queries_many == queries_one
    # The switcher: eight units with the current one among them, and a way to the others.
    assert page.count('aria-current="page">甲单位<') == 1
    more = re.search(r'my-units/">([^<]*)</a>', page)
    assert more and "33" in more.group(1)
    assert page.count("填充单位") == 7


def test_my_units_page_searches_and_pages(alpha, many_units, make_user, client_for):
    many = make_user(alpha, ["assets.asset_officer"])
    many.tenants.add(*many_units)
    c = client_for(many, DISTRICT_HOST)

    page = c.get("/my-units/").content.decode()
    assert re.search(r"\b41\b", page)  # every unit of the person is counted
    assert all(u.name in page for u in many_units) and "甲单位" in page  # one page holds up to 50
    found = c.get("/my-units/", {"q": many_units[7].name}).content.decode()
    assert many_units[7].name in found and many_units[8].name not in found
    assert f"http://{many_units[7].slug}.zt.test" in found
    empty = c.get("/my-units/", {"q": "没有这个单位"}).content.decode()
    assert "没有符合条件的单位" in empty
