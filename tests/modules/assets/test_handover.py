"""Personnel's hand-over checklist lists the cards a person holds in this unit, not the
disposed ones, and never another unit's cards."""
from __future__ import annotations

from django_tenants.utils import schema_context

from modules.assets.models import Asset
from zhengtong.registry.handover import handover_items_for


def test_handover_lists_cards_in_custody(alpha, beta, make_user, make_asset):
    person = make_user(alpha, ["assets.custodian"])
    with schema_context("public"):
        from zhengtong.accounts.services import member_roles_set
        member_roles_set(unit=beta, user=person, role_keys=["assets.custodian"], actor=None, enforce_grantor=False)
    laptop = make_asset(alpha, name="笔记本电脑", custodian=person)
    old = make_asset(alpha, name="旧打印机", custodian=person)
    make_asset(alpha, name="别人的电脑", custodian=make_user(alpha, ["assets.custodian"]))
    make_asset(beta, name="乙单位的投影仪", custodian=person)
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=old.pk).update(status=Asset.Status.DISPOSED)
        items = [i for i in handover_items_for(user_id=person.pk) if i.module == "assets"]
    assert [(i.kind, i.ref) for i in items] == [("asset", laptop.number)]
    assert "笔记本电脑" in items[0].label and items[0].mandatory
    with schema_context(beta.schema_name):
        items = [i for i in handover_items_for(user_id=person.pk) if i.module == "assets"]
    assert len(items) == 1 and "乙单位的投影仪" in items[0].label
