"""The sidebar offers a person only the pages they may open: for every role of every module and
of the platform (and every district role on the district portal), each sidebar link answers,
none with 403 or 404, and each role still finds the pages that are its own."""
from __future__ import annotations

import re

import pytest

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from zhengtong.registry.registry import DISTRICT_ROLES, unit_roles

HREF = re.compile(r'href="([^"]+)"')


def sidebar_links(client) -> list[str]:
    """The sidebar's links, and the header's (approvals, inbox, profile) which lead as far."""
    response = client.get("/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    sidebar = page.split('<aside class="sidebar">', 1)[1].split("</aside>", 1)[0]
    header = page.split('<nav class="top-actions">', 1)[1].split("</nav>", 1)[0]
    # Only this portal's own pages: a link to another host is answered by that host.
    return [h for h in HREF.findall(sidebar + header) if h.startswith("/")]


def refused_links(client, links) -> list[tuple[str, int]]:
    return [(href, status) for href in links
            if (status := client.get(href).status_code) in (403, 404)]


# Pages each role must still be offered (a few per kind of check: role, permission, module admin).
EXPECTED = {
    "platform.unit_admin": ["/members/", "/modules/assets/rules/"],
    "platform.system_admin": ["/members/"],
    "platform.audit_admin": ["/audit/"],
    "platform.security_admin": ["/members/", "/security/roles/", "/security/lockouts/"],
    "assets.module_admin": ["/modules/assets/rules/"],
    "assets.asset_officer": ["/m/assets/new/"],
    "personnel.hr": ["/m/personnel/exchange/"],
    "personnel.leader": ["/m/personnel/exchange/"],  # they let a transfer complete: the view lets them in
}
DISTRICT_EXPECTED = {
    "district.operator": ["/units/", "/inspection/", "/assets/"],
    "district.finance_bureau": ["/assets/quotas/", "/assets/pool/"],
    "district.hr_bureau": ["/personnel/"],
    "district.security_admin": ["/security/policy/"],
    "district.audit_admin": ["/audit/"],
}


@pytest.mark.parametrize("role", [r.key for r in unit_roles()])
def test_unit_sidebar_links_open_for_every_role(make_user, client_for, alpha, role):
    client = client_for(make_user(alpha, [role]), ALPHA_HOST)
    links = sidebar_links(client)
    assert refused_links(client, links) == [], role
    for href in EXPECTED.get(role, []):
        assert href in links, (role, href)


@pytest.mark.parametrize("role", [r.key for r in DISTRICT_ROLES])
def test_district_sidebar_links_open_for_every_district_role(make_user, client_for, role):
    client = client_for(make_user(district_roles=[role]), DISTRICT_HOST)
    links = sidebar_links(client)
    assert refused_links(client, links) == [], role
    for href in DISTRICT_EXPECTED.get(role, []):
        assert href in links, (role, href)


def test_a_member_without_roles_is_not_offered_member_management(make_user, client_for, alpha):
    client = client_for(make_user(alpha, []), ALPHA_HOST)
    links = sidebar_links(client)
    assert "/members/" not in links
    assert refused_links(client, links) == []
