"""A move's page offers exactly the steps its services would take (services/workflow.py): a
step the service refuses is not offered, and one taken is offered no more."""
from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from modules.personnel import services
from tests.support.personnel import D0, transfer_approved, transfer_requested
from zhengtong.core.errors import Invalid

REVERSE_FORM = "/reverse/"
OVERRIDE_FORM = "/handover/override/"


def test_an_earlier_move_is_not_offered_for_reversal_while_a_later_one_is_in_effect(org, client_for):
    person = org.person("钱七", entry=date(2020, 1, 1))
    first = transfer_approved(org, transfer_requested(org, person, kind="promotion", after_rank="四级主任科员"))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=first.pk, today=D0)
    second = transfer_approved(org, transfer_requested(org, person, after_post=org.accountant))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=second.pk, today=D0)
    client = client_for(org.hr)

    def offered(transfer) -> bool:
        return f"/transfers/{transfer.pk}{REVERSE_FORM}" in client.get(
            f"/m/personnel/transfers/{transfer.pk}/").content.decode()

    assert offered(second) and not offered(first)
    with schema_context(org.unit.schema_name), pytest.raises(Invalid, match="其后还有已生效的调配"):
        services.transfer_reverse(actor=org.hr, transfer=first, reason="录入错误")
    client.post(f"/m/personnel/transfers/{second.pk}/reverse/", {"reason": "录入错误"})
    assert offered(first) and not offered(second)  # the later one undone, the earlier one may be


def test_completion_with_open_items_is_offered_to_the_leader_once(org, client_for):
    person = org.person("孙八")
    transfer = transfer_approved(org, transfer_requested(org, person, kind="retirement"))
    with schema_context(org.unit.schema_name):
        services.handover_item_add(actor=org.hr, transfer=transfer, label="档案柜钥匙")
    leader, hr = client_for(org.leader), client_for(org.hr)
    page = f"/m/personnel/transfers/{transfer.pk}/"
    assert OVERRIDE_FORM in leader.get(page).content.decode()
    assert OVERRIDE_FORM not in hr.get(page).content.decode()  # only a unit leader may
    leader.post(f"{page}handover/override/", {"reason": "本人出差，由科室代为移交"})
    assert OVERRIDE_FORM not in leader.get(page).content.decode()
    with schema_context(org.unit.schema_name), pytest.raises(Invalid, match="已准许"):
        services.transfer_handover_override(actor=org.leader, transfer=transfer, reason="再次")
    with schema_context(org.unit.schema_name):
        transfer.refresh_from_db()
    assert transfer.handover_override_reason == "本人出差，由科室代为移交"
