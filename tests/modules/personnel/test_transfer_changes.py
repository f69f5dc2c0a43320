"""What a move changes: a field left blank (the rank) is kept — on the person and on the move's
record that HR and the approvers read — and a move that would change nothing is refused by the
service, whichever way it arrives (the page, the service, a later submission to approval)."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_tenants.utils import schema_context

from modules.personnel import services
from modules.personnel.manifest import approval_type_key
from modules.personnel.models import Person, PositionHistory, Transfer
from tests.support.personnel import D0, transfer_approved, transfer_requested
from zhengtong.approvals.models import ApprovalRequest
from zhengtong.approvals.services import approval_submit

NO_CHANGE = "调配前后没有变化"


def test_a_move_that_leaves_the_rank_blank_keeps_it(org, client_for):
    person = org.person("李四", rank="一级主任科员")
    client = client_for(org.hr)
    assert "不填则保留现职级" in client.get(f"/m/personnel/people/{person.pk}/transfers/new/").content.decode()
    r = client.post(f"/m/personnel/people/{person.pk}/transfers/new/", {
        "kind": "internal", "effective_date": D0.isoformat(), "reason": "工作需要",
        "after_department": org.finance.pk, "after_post": org.accountant.pk, "after_rank": ""})
    assert r.status_code == 302
    with schema_context(org.unit.schema_name):
        transfer = Transfer.objects.get(person=person)
    # What HR and the approvers read: the rank after the move is the person's rank, not "—".
    page = client.get(f"/m/personnel/transfers/{transfer.pk}/").content.decode()
    after = page[page.index("<dt>变更后</dt>"):]
    after = after[:after.index("</dd>")]
    assert "财务科" in after and "会计" in after and "一级主任科员" in after
    assert "一级主任科员" in client.get("/m/personnel/transfers/").content.decode().split("财务科", 1)[1]
    transfer_approved(org, transfer)
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
        moved = Person.objects.get(pk=person.pk)
        assert (moved.post_id, moved.rank) == (org.accountant.pk, "一级主任科员")
        entry = PositionHistory.objects.get(person=person, end_date__isnull=True)
        assert (entry.post_title, entry.rank) == ("会计", "一级主任科员")
    # Reversed, the person is back with the same rank.
    with schema_context(org.unit.schema_name):
        services.transfer_reverse(actor=org.hr, transfer=transfer, reason="录入错误", on=D0)
        assert Person.objects.get(pk=person.pk).rank == "一级主任科员"


def test_a_promotion_still_changes_the_rank(org):
    person = org.person("王五", rank="一级科员")
    promoted = transfer_approved(org, transfer_requested(org, person, kind="promotion", after_rank="四级主任科员"))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=promoted.pk, today=D0)
        assert Person.objects.get(pk=person.pk).rank == "四级主任科员"


def test_a_move_that_changes_nothing_is_refused(org, client_for):
    person = org.person("赵六")  # 办公室 / 文秘 / 一级科员
    with pytest.raises(ValidationError, match=NO_CHANGE) as refused:
        transfer_requested(org, person, after_department=org.office, after_post=org.clerk)
    assert refused.value.code == "no_change"
    with translation.override("en"), pytest.raises(ValidationError, match="This move changes nothing"):
        transfer_requested(org, person, after_department=org.office, after_post=org.clerk)
    for same in ({"after_department": org.office}, {"after_department": org.office, "after_rank": "一级科员"}):
        with pytest.raises(ValidationError, match=NO_CHANGE):
            transfer_requested(org, person, **same)
    with pytest.raises(ValidationError, match=NO_CHANGE):  # a "promotion" to the rank held
        transfer_requested(org, person, kind="promotion", after_rank=" 一级科员 ")
    # On the page: the message in Chinese, nothing recorded.
    page = client_for(org.hr).post(f"/m/personnel/people/{person.pk}/transfers/new/", {
        "kind": "internal", "effective_date": D0.isoformat(), "reason": "工作需要",
        "after_department": org.office.pk, "after_post": org.clerk.pk, "after_rank": ""}, follow=True)
    assert NO_CHANGE in page.content.decode()
    with schema_context(org.unit.schema_name):
        assert not Transfer.objects.filter(person=person).exists()
    # A change of the rank alone, or of the post within the department, is a move.
    move = transfer_requested(org, person, after_department=org.office, after_rank="四级主任科员")
    assert move.status == "in_approval"


def test_a_draft_that_changes_nothing_by_the_time_it_is_submitted_is_refused(org):
    person = org.person("孙七")
    draft = transfer_requested(org, person, after_post=org.accountant, submit=False)
    assert draft.status == Transfer.Status.DRAFT
    other = transfer_approved(org, transfer_requested(org, person, after_post=org.accountant))
    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=other.pk, today=D0)
        # The person is now where the draft would take them: the approvals engine refuses it.
        with pytest.raises(ValidationError, match=NO_CHANGE):
            approval_submit(type_key=approval_type_key("internal"), subject_id=draft.pk, actor=org.hr,
                            reason="工作需要")
        assert not ApprovalRequest.objects.filter(subject_type="personnel.Transfer", subject_id=draft.pk).exists()
        assert Transfer.objects.get(pk=draft.pk).status == Transfer.Status.DRAFT
