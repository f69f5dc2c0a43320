"""The district operator's unit page, used by the person allowed (issue 13: its module switch
and invitation form were tested only as refusals): switching a module off closes it on the
unit's host at once and on again reopens it, and an invitation sent from the page reaches
the invitee, who joins the unit with the roles chosen. Both are in the district's trail."""
from __future__ import annotations

import re

from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from tests.support.pages import page_text
from zhengtong.audit.models import AuditEvent


def test_the_operator_switches_a_module_off_and_on_for_a_unit(alpha, operator, make_user, make_asset,
                                                              client_for):
    member = make_user(alpha, ["assets.custodian"], name="甲单位使用人")
    asset = make_asset(alpha, name="开关测试电脑", custodian=member)
    unit_page = client_for(member, ALPHA_HOST)
    assert unit_page.get(f"/m/assets/{asset.pk}/").status_code == 200
    district = client_for(operator, DISTRICT_HOST)
    toggle = f"/units/{alpha.pk}/modules/assets/"
    assert toggle in district.get(f"/units/{alpha.pk}/").content.decode()

    r = district.post(toggle, {"enabled": "0"}, follow=True)
    assert r.status_code == 200
    assert unit_page.get(f"/m/assets/{asset.pk}/").status_code == 404  # closed on the unit's host at once
    assert unit_page.get("/m/assets/").status_code == 404
    with schema_context("public"):
        assert AuditEvent.objects.filter(action="unit.module", actor_id=operator.pk, before={"assets": True},
                                         after={"assets": False}, result="success").exists()
    with schema_context(alpha.schema_name):
        from modules.assets.models import Asset

        assert Asset.objects.filter(pk=asset.pk).exists()  # its data stays

    district.post(toggle, {"enabled": "1"})
    page = unit_page.get(f"/m/assets/{asset.pk}/")
    assert page.status_code == 200 and "开关测试电脑" in page_text(page)
    with schema_context("public"):
        assert AuditEvent.objects.filter(action="unit.module", actor_id=operator.pk, before={"assets": False},
                                         after={"assets": True}).exists()


def test_the_operator_invites_a_person_who_joins_the_unit_with_the_chosen_roles(
        alpha, operator, client_for, mailoutbox, django_capture_on_commit_callbacks):
    district = client_for(operator, DISTRICT_HOST)
    assert f"/units/{alpha.pk}/invite/" in district.get(f"/units/{alpha.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = district.post(f"/units/{alpha.pk}/invite/", {"email": "Xin.Ren@Alpha.cn", "name": "新同事",
                                                         "role_keys": ["assets.custodian"]}, follow=True)
    page = page_text(r)
    assert r.status_code == 200 and "邀请已发送" in page and "xin.ren@alpha.cn" in page
    with schema_context("public"):
        assert AuditEvent.objects.filter(action="invitation.create", actor_id=operator.pk,
                                         after={"email": "xin.ren@alpha.cn", "roles": ["assets.custodian"]}).exists()
    [mail] = mailoutbox
    assert mail.to == ["xin.ren@alpha.cn"]
    token = re.search(r"/invite/([^/\s]+)/", mail.body).group(1)

    r = client_for(None, DISTRICT_HOST).post(f"/invite/{token}/", {
        "name": "新同事", "password1": "Xin-Ren#2026x", "password2": "Xin-Ren#2026x"})
    assert r.status_code == 302
    newcomer = alpha.user_set.get(email="xin.ren@alpha.cn")
    with schema_context(alpha.schema_name):
        assert newcomer.role_keys == frozenset({"assets.custodian"})
    assert client_for(newcomer, ALPHA_HOST).get("/m/assets/").status_code == 200  # a member now
    # the unit page lists the newcomer among the members and the invitation as accepted
    page = page_text(district.get(f"/units/{alpha.pk}/"))
    assert "新同事" in page and "已接受" in page
