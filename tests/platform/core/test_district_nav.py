"""The district portal's sidebar shows each district role the pages it may use."""
import pytest

from tests.conftest import DISTRICT_HOST


@pytest.mark.parametrize("role, shown, hidden", [
    ("district.finance_bureau", ["/assets/", "/assets/quotas/", "/assets/pool/", "/assets/lending/",
                                 "/assets/stocktakes/"], ["/personnel/"]),
    ("district.hr_bureau", ["/personnel/", "/personnel/rollup/"], ["/assets/quotas/", "/assets/pool/"]),
    ("district.operator", ["/assets/", "/assets/stocktakes/", "/inspection/"], ["/personnel/", "/assets/pool/"]),
])
def test_sidebar_links_follow_the_district_role(make_user, client_for, role, shown, hidden):
    user = make_user(district_roles=[role])
    client = client_for(user, DISTRICT_HOST)
    page = client.get("/", follow=True).content.decode()
    sidebar = page.split('<aside class="sidebar">', 1)[1].split("</aside>", 1)[0]
    for href in shown:
        assert f'href="{href}"' in sidebar, (role, href)
        assert client.get(href).status_code == 200, (role, href)
    for href in hidden:
        assert f'href="{href}"' not in sidebar, (role, href)
