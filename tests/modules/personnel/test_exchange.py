"""Cross-unit transfer handshake (调出 → 调入) between units alpha and beta.

What a person notices: the receiving unit's HR sees and accepts the transfer, placing the
person in a post (establishment check applies); when it completes the person is "left
(transferred)" in alpha and "in post" in beta with their timeline; at every moment they are
active in exactly one unit, even when completion fails half-way; the district HR bureau
approves when the district asks for it and sees requests and figures, never full records;
beta's HR can act on a transfer only as its named receiver.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from tests.support.personnel import ID_NUMBER, transfer_issued
from zhengtong.core.errors import Invalid, Refused


def _status_in(unit, pk):
    from modules.personnel.models import Person

    with schema_context(unit.schema_name):
        return Person.objects.filter(pk=pk).values_list("status", flat=True).first()


def _receiver_copy(unit, uid):
    from modules.personnel.models import Person

    with schema_context(unit.schema_name):
        return Person.objects.filter(uid=uid).first()


def test_beta_hr_accepts_and_the_record_moves_with_its_history(alpha, beta, exchange):
    from modules.personnel.exchange.selectors import active_units_of
    from modules.personnel.exchange.services import exchange_accept
    from modules.personnel.models import Person

    ex = exchange
    # beta's only 教务员 place is taken by beta's own person 9001: free one first (a second post)
    from modules.personnel.models import Post
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    transfer = transfer_issued(ex, alpha, beta)
    assert transfer.status == "issued" and transfer.person_name == "王晓梅"
    assert active_units_of(ex.person.uid) == [alpha]

    done = exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk, department_id=ex.beta_dept.pk,
                           post_id=ex.beta_post.pk)
    assert done.status == "completed"
    assert done.order_number == f"调字〔{date.today().year}〕第1号"
    # alpha: left (transferred), with the move at the end of the timeline
    assert _status_in(alpha, ex.person.pk) == "left_transferred"
    with schema_context(alpha.schema_name):
        last = ex.person.history.order_by("-start_date", "-pk").first()
        assert last.status == "left_transferred" and "乙单位" in last.note and last.start_date == date.today()
        assert ex.person.history.filter(end_date__isnull=True).count() == 1
    # beta: in post in 教务处/教务员, the earlier career carried over, the ID still encrypted
    copy = _receiver_copy(beta, ex.person.uid)
    assert copy.status == "in_post" and copy.post_id == ex.beta_post.pk and copy.name == "王晓梅"
    assert copy.id_number_encrypted != ID_NUMBER and ID_NUMBER not in copy.id_number_encrypted
    from modules.personnel import crypto
    assert crypto.id_number_decrypt(copy.id_number_encrypted) == ID_NUMBER
    with schema_context(beta.schema_name):
        rows = list(copy.history.order_by("start_date", "pk").values_list("kind", "unit_name", "post_title",
                                                                              "end_date", "note"))
        assert [r[0] for r in rows[:2]] == ["carried", "carried"] and len(rows) == 3
        assert rows[0][1] == "甲单位" and rows[0][2] == "文秘" and rows[1][4] == "晋升一级科员"
        assert rows[1][3] == date.today() - timedelta(days=1)  # the carried period closes the day before
        assert rows[2][2] == "教务员" and rows[2][3] is None and "甲单位" in rows[2][4]  # the move, open
        assert copy.transfers.get().kind == "transfer_in"
        # raw SQL: the receiver's table has no plain ID number either
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM personnel_person WHERE id_number_encrypted LIKE %s "
                        "OR id_number_hash LIKE %s", [f"%{ID_NUMBER}%", f"%{ID_NUMBER}%"])
            assert cur.fetchone()[0] == 0
    assert active_units_of(ex.person.uid) == [beta]
    with schema_context(alpha.schema_name):
        assert Person.objects.get(pk=ex.person.pk).transfers.get().kind == "transfer_out"


def test_failure_midway_changes_nothing_anywhere(alpha, beta, exchange, monkeypatch):
    """The receiver's insert has happened, the sender's update not yet: an error there rolls
    both back; the person stays active in alpha only and the transfer stays approved."""
    from modules.personnel.exchange import selectors as exchange_selectors
    from modules.personnel.exchange import services as exchange_services
    from modules.personnel.exchange.models import CrossUnitTransfer, OrderSequence
    from modules.personnel.models import Post

    ex = exchange
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    seen = {}

    def fail(stage):
        if stage == "receiver_inserted":
            # the receiver's row really is there at this point, inside the transaction
            seen["copy"] = _receiver_copy(beta, ex.person.uid)
            raise RuntimeError("power cut between the two schemas")

    monkeypatch.setattr(exchange_services, "_checkpoint", fail)
    transfer = transfer_issued(ex, alpha, beta, effective=date.today() + timedelta(days=1))
    exchange_services.exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk,
                                      department_id=ex.beta_dept.pk, post_id=ex.beta_post.pk)
    CrossUnitTransfer.objects.filter(pk=transfer.pk).update(effective_date=date.today())
    with pytest.raises(RuntimeError):
        exchange_services.exchange_complete(transfer_id=transfer.pk, actor=ex.beta_hr)
    assert seen["copy"] is not None and seen["copy"].status == "in_post"
    assert _receiver_copy(beta, ex.person.uid) is None
    assert _status_in(alpha, ex.person.pk) == "in_post"
    with schema_context(alpha.schema_name):
        assert ex.person.history.count() == 2 and not ex.person.transfers.exists()
    transfer.refresh_from_db()
    assert transfer.status == "approved" and transfer.order_sequence is None
    assert not OrderSequence.objects.exists()  # no number used: the next one is still 第1号
    assert exchange_selectors.active_units_of(ex.person.uid) == [alpha]

    # after the fault is gone the periodic job completes it, with number 1
    monkeypatch.setattr(exchange_services, "_checkpoint", lambda stage: None)
    assert exchange_services.exchange_complete_due(unit=alpha) == 1
    transfer.refresh_from_db()
    assert transfer.status == "completed" and transfer.order_sequence == 1
    assert exchange_selectors.active_units_of(ex.person.uid) == [beta]


def test_not_before_the_effective_date(alpha, beta, exchange):
    from modules.personnel.exchange.services import exchange_accept, exchange_complete_due
    from modules.personnel.models import Post

    ex = exchange
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    transfer = transfer_issued(ex, alpha, beta, effective=date.today() + timedelta(days=10))
    t = exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk, department_id=ex.beta_dept.pk,
                        post_id=ex.beta_post.pk)
    assert t.status == "approved"
    assert exchange_complete_due(unit=alpha) == 0
    assert _status_in(alpha, ex.person.pk) == "in_post" and _receiver_copy(beta, ex.person.uid) is None
    t.refresh_from_db()
    assert t.status == "approved" and t.order_sequence is None
    # the day comes (moved here instead of waiting ten days): the hourly job completes it
    type(t).objects.filter(pk=t.pk).update(effective_date=date.today())
    assert exchange_complete_due(unit=alpha) == 1
    assert _status_in(alpha, ex.person.pk) == "left_transferred"
    assert _receiver_copy(beta, ex.person.uid).status == "in_post"


def test_establishment_check_and_override_on_acceptance(alpha, beta, exchange):
    from modules.personnel.exchange.services import exchange_accept

    ex = exchange
    transfer = transfer_issued(ex, alpha, beta)
    # beta's 教务员 has 1 place, held by beta's own person 9001
    with pytest.raises(Invalid, match="已满编"):
        exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk, department_id=ex.beta_dept.pk,
                        post_id=ex.beta_post.pk)
    with pytest.raises(Refused, match="无权超编"):
        exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk, department_id=ex.beta_dept.pk,
                        post_id=ex.beta_post.pk, override_reason="急需")
    # the unit leader may, with a reason; it is recorded on the transfer and in beta's move
    from zhengtong.accounts.services import member_roles_set

    member_roles_set(unit=beta, user=ex.beta_hr, role_keys=["personnel.hr", "personnel.leader"], actor=None,
                     enforce_grantor=False)
    done = exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk, department_id=ex.beta_dept.pk,
                           post_id=ex.beta_post.pk, override_reason="教学急需，已报编办备案")
    assert done.status == "completed" and done.establishment_override_reason == "教学急需，已报编办备案"
    copy = _receiver_copy(beta, ex.person.uid)
    with schema_context(beta.schema_name):
        assert copy.transfers.get().establishment_override_reason == "教学急需，已报编办备案"


def test_district_approval_when_the_district_requires_it(alpha, beta, exchange, client_for):
    from modules.personnel.exchange.services import exchange_accept, exchange_settings_update
    from modules.personnel.models import Post

    ex = exchange
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    exchange_settings_update(actor=ex.district_hr, district=alpha.district, district_approval_required=True)
    transfer = transfer_issued(ex, alpha, beta)
    assert transfer.needs_district_approval
    t = exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=transfer.pk, department_id=ex.beta_dept.pk,
                        post_id=ex.beta_post.pk)
    assert t.status == "district" and _status_in(alpha, ex.person.pk) == "in_post"

    district = client_for(ex.district_hr, DISTRICT_HOST)
    page = district.get("/personnel/").content.decode()
    assert "王晓梅" in page and "甲单位" in page and "乙单位" in page
    assert ID_NUMBER not in page and ID_NUMBER[-4:] not in page  # no ID number, not even masked
    r = district.post(f"/personnel/exchange/{transfer.pk}/", {"decision": "approve", "comment": "同意"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == "completed" and t.district_decided_by == ex.district_hr
    assert _status_in(alpha, ex.person.pk) == "left_transferred"


def test_district_hr_sees_requests_and_figures_but_never_full_records(alpha, beta, exchange, client_for):
    ex = exchange
    transfer_issued(ex, alpha, beta)
    district = client_for(ex.district_hr, DISTRICT_HOST)
    assert district.get("/personnel/").status_code == 200
    assert district.get("/personnel/rollup/").status_code == 200
    # a unit's personnel pages: the district HR bureau is no member there → 404
    for path in ("/m/personnel/", f"/m/personnel/people/{ex.person.pk}/", "/m/personnel/exchange/"):
        assert client_for(ex.district_hr, ALPHA_HOST).get(path).status_code == 404, path
    # someone without the district role sees no district personnel page
    assert client_for(ex.alpha_hr, DISTRICT_HOST).get("/personnel/").status_code == 404


def test_beta_acts_only_as_the_named_receiver(alpha, beta, exchange, client_for):
    from modules.personnel.exchange.models import CrossUnitTransfer

    ex = exchange
    transfer = transfer_issued(ex, alpha, beta)
    alpha_hr, beta_hr = client_for(ex.alpha_hr, ALPHA_HOST), client_for(ex.beta_hr, BETA_HOST)
    # beta cannot withdraw alpha's transfer (only the sender can), nor open alpha's pages
    assert beta_hr.post(f"/m/personnel/exchange/{transfer.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert client_for(ex.beta_hr, ALPHA_HOST).get(f"/m/personnel/exchange/{transfer.pk}/").status_code == 404
    # alpha (the sender) cannot accept its own transfer on beta's behalf
    assert alpha_hr.post(f"/m/personnel/exchange/{transfer.pk}/accept/",
                         {"department": ex.alpha_dept.pk, "post": ex.alpha_post.pk}).status_code == 404
    # a transfer naming another receiver is invisible to beta, even though ids repeat
    gamma_like = CrossUnitTransfer.objects.create(
        district=alpha.district, sender=alpha, receiver=_third_unit(alpha), sender_person_id=ex.person.pk,
        person_uid=__import__("uuid").uuid4(), person_name="另一人", reason="x", effective_date=date.today(),
        issued_by=ex.alpha_hr)
    assert beta_hr.get(f"/m/personnel/exchange/{gamma_like.pk}/").status_code == 404
    assert beta_hr.post(f"/m/personnel/exchange/{gamma_like.pk}/accept/",
                        {"department": ex.beta_dept.pk, "post": ex.beta_post.pk}).status_code == 404
    assert "另一人" not in beta_hr.get("/m/personnel/exchange/").content.decode()
    gamma_like.refresh_from_db()
    assert gamma_like.status == "issued"
    # beta's staff without the HR role cannot accept either
    from modules.personnel.models import Post
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    assert client_for(ex.beta_leader, BETA_HOST).post(
        f"/m/personnel/exchange/{transfer.pk}/accept/",
        {"department": ex.beta_dept.pk, "post": ex.beta_post.pk}).status_code == 404
    # the named receiver's HR can
    assert beta_hr.get(f"/m/personnel/exchange/{transfer.pk}/").status_code == 200
    r = beta_hr.post(f"/m/personnel/exchange/{transfer.pk}/accept/",
                     {"department": ex.beta_dept.pk, "post": ex.beta_post.pk})
    assert r.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "completed"
    from zhengtong.audit.models import AuditEvent
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="personnel.exchange.released").exists()
    with schema_context(beta.schema_name):
        assert AuditEvent.objects.filter(action="personnel.exchange.received").exists()


def _third_unit(alpha):
    """A unit row of the same district without a schema (enough for a receiver beta is not)."""
    from tenants.models import Unit

    connection.set_schema_to_public()  # the test client left the connection on a unit's schema
    unit = Unit(name="丙单位", slug="gamma-x", schema_name="gamma_x", district=alpha.district, owner_id=alpha.owner_id)
    unit.auto_create_schema = False
    unit.save()
    return unit


def test_alpha_issues_through_its_pages_and_beta_accepts_through_its_pages(alpha, beta, exchange, client_for):
    ex = exchange
    from modules.personnel.models import Post
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    alpha_hr, beta_hr = client_for(ex.alpha_hr, ALPHA_HOST), client_for(ex.beta_hr, BETA_HOST)
    page = alpha_hr.get(f"/m/personnel/exchange/new/?person={ex.person.pk}").content.decode()
    assert "乙单位" in page and "王晓梅" in page
    r = alpha_hr.post("/m/personnel/exchange/new/", {"person": ex.person.pk, "receiver": beta.pk, "reason": "工作需要",
                                                      "effective_date": date.today().isoformat()})
    assert r.status_code == 302, r.content.decode()[:2000]
    listing = beta_hr.get("/m/personnel/exchange/").content.decode()
    assert "王晓梅" in listing and "甲单位" in listing
    from modules.personnel.exchange.models import CrossUnitTransfer
    t = CrossUnitTransfer.objects.get(person_uid=ex.person.uid)
    detail = beta_hr.get(f"/m/personnel/exchange/{t.pk}/").content.decode()
    assert "教务员" in detail  # the posts of beta to choose from
    assert beta_hr.post(f"/m/personnel/exchange/{t.pk}/accept/",
                        {"department": ex.beta_dept.pk, "post": ex.beta_post.pk}).status_code == 302
    t.refresh_from_db()
    assert t.status == "completed"
    detail = alpha_hr.get(f"/m/personnel/exchange/{t.pk}/").content.decode()
    assert t.order_number in detail


def test_assets_in_custody_hold_the_completion_until_handed_over_or_overridden(alpha, beta, exchange, make_user,
                                                                              make_asset, client_for):
    """The person still holds an asset card in alpha: beta's acceptance stands, but the record
    does not move; alpha's leader may let it complete with a written reason (audited)."""
    from modules.personnel.exchange.models import CrossUnitTransfer
    from modules.personnel.exchange.services import exchange_accept, exchange_complete_due
    from modules.personnel.models import Person, Post

    ex = exchange
    holder = make_user(alpha, [], name="王晓梅")
    with schema_context(alpha.schema_name):
        Person.objects.filter(pk=ex.person.pk).update(user=holder)
    make_asset(alpha, name="笔记本电脑", custodian=holder, number="ALPHA-HO-0001")
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    t = transfer_issued(ex, alpha, beta)
    t = exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, department_id=ex.beta_dept.pk,
                        post_id=ex.beta_post.pk)
    assert t.status == "approved"  # accepted, waiting for the hand-over
    assert _status_in(alpha, ex.person.pk) == "in_post" and _receiver_copy(beta, ex.person.uid) is None
    waiting = t.events.filter(action="completion_waiting").get()
    assert "ALPHA-HO-0001" in waiting.note
    page = client_for(ex.alpha_hr, ALPHA_HOST).get(f"/m/personnel/exchange/{t.pk}/").content.decode()
    assert "ALPHA-HO-0001 笔记本电脑" in page and "exchange-handover-override" not in page  # HR may not override
    assert exchange_complete_due(unit=alpha) == 0

    # HR cannot override; alpha's leader can, with a reason
    r = client_for(ex.alpha_hr, ALPHA_HOST).post(f"/m/personnel/exchange/{t.pk}/handover-override/",
                                                 {"reason": "x"})
    assert r.status_code == 404
    leader = make_user(alpha, ["personnel.leader"], name="甲领导")
    c = client_for(leader, ALPHA_HOST)
    assert "exchange-handover-override" in c.get(f"/m/personnel/exchange/{t.pk}/").content.decode()
    assert c.post(f"/m/personnel/exchange/{t.pk}/handover-override/",
                  {"reason": "电脑随人调用，已报资产处备案"}).status_code == 302
    assert exchange_complete_due(unit=alpha) == 1
    t = CrossUnitTransfer.objects.get(pk=t.pk)
    assert t.status == "completed" and t.handover_override_by == leader
    assert _status_in(alpha, ex.person.pk) == "left_transferred"
    with schema_context(alpha.schema_name):
        move = Person.objects.get(pk=ex.person.pk).transfers.get(kind="transfer_out")
        assert move.handover_override_reason == "电脑随人调用，已报资产处备案"
        assert move.handover_items.filter(ref="ALPHA-HO-0001", done=False).exists()  # still listed, overridden


def test_decline_withdraw_and_district_rejection_leave_the_person_where_they_are(alpha, beta, exchange, client_for):
    from modules.personnel.exchange.models import CrossUnitTransfer
    from modules.personnel.exchange.services import (
        exchange_accept,
        exchange_decline,
        exchange_district_decide,
        exchange_settings_update,
    )
    from modules.personnel.models import Post

    ex = exchange
    with schema_context(beta.schema_name):
        Post.objects.filter(pk=ex.beta_post.pk).update(establishment=2)
    # beta declines (a reason is required); a new transfer may then be issued
    t = transfer_issued(ex, alpha, beta)
    with pytest.raises(Invalid):
        exchange_decline(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, reason=" ")
    assert exchange_decline(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, reason="暂无编制").status == "declined"
    with pytest.raises(Invalid):  # nothing left to accept
        exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, department_id=ex.beta_dept.pk,
                        post_id=ex.beta_post.pk)
    # alpha withdraws the next one through its page
    t2 = transfer_issued(ex, alpha, beta, effective=date.today() + timedelta(days=30))
    r = client_for(ex.alpha_hr, ALPHA_HOST).post(f"/m/personnel/exchange/{t2.pk}/withdraw/", {"reason": "本人申请留任"})
    assert r.status_code == 302 and CrossUnitTransfer.objects.get(pk=t2.pk).status == "withdrawn"
    # the district requires its approval and rejects the third (with a reason)
    exchange_settings_update(actor=ex.district_hr, district=alpha.district, district_approval_required=True)
    t3 = transfer_issued(ex, alpha, beta)
    exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t3.pk, department_id=ex.beta_dept.pk,
                    post_id=ex.beta_post.pk)
    with pytest.raises(Invalid):
        exchange_district_decide(actor=ex.district_hr, transfer_id=t3.pk, approve=False, comment="")
    t3 = exchange_district_decide(actor=ex.district_hr, transfer_id=t3.pk, approve=False, comment="不符合调动条件")
    assert t3.status == "district_rejected"
    assert [e.action for e in t3.events.all()] == ["issued", "accepted", "district_rejected"]
    assert _status_in(alpha, ex.person.pk) == "in_post" and _receiver_copy(beta, ex.person.uid) is None
    # beta's HR is no district HR: the district decision is refused (404, audited)
    from django.http import Http404

    from zhengtong.audit.models import AuditEvent
    t4 = transfer_issued(ex, alpha, beta)
    exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t4.pk, department_id=ex.beta_dept.pk,
                    post_id=ex.beta_post.pk)
    with pytest.raises(Http404):
        exchange_district_decide(actor=ex.beta_hr, transfer_id=t4.pk, approve=True)
    assert AuditEvent.objects.filter(action="personnel.exchange.district_decide", result="denied").exists()
    assert CrossUnitTransfer.objects.get(pk=t4.pk).status == "district"


def test_cross_unit_secondment_keeps_the_record_with_the_sender_and_ends_on_its_date(alpha, beta, exchange,
                                                                                      client_for):
    """借调: alpha keeps the record (seconded out, keeping the place); beta lists a read-only
    seconded-in copy in the department it chose, taking none of its establishment; after the end
    date both units' daily jobs end it and the person is back in post in alpha."""
    from modules.personnel.exchange.models import CrossUnitTransfer
    from modules.personnel.exchange.selectors import active_units_of
    from modules.personnel.exchange.services import exchange_accept, exchange_issue
    from modules.personnel.models import Person
    from modules.personnel.selectors import post_vacancy
    from modules.personnel.services import secondments_check

    ex = exchange
    end = date.today() + timedelta(days=90)
    with pytest.raises(Invalid, match="结束日期"):
        exchange_issue(actor=ex.alpha_hr, sender=alpha, person_id=ex.person.pk, receiver_id=beta.pk, reason="支援教学",
                       effective_date=date.today(), kind="secondment")
    r = client_for(ex.alpha_hr, ALPHA_HOST).post("/m/personnel/exchange/new/", {
        "person": ex.person.pk, "receiver": beta.pk, "kind": "secondment", "reason": "支援教学",
        "effective_date": date.today().isoformat(), "end_date": end.isoformat()})
    assert r.status_code == 302
    t = CrossUnitTransfer.objects.get(person_uid=ex.person.uid)
    assert t.kind == "secondment" and t.end_date == end
    # beta's only 教务员 place is taken, which does not matter: a seconded person takes no place
    t = exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, department_id=ex.beta_dept.pk,
                        post_id=None)
    assert t.status == "completed" and t.order_sequence is None  # no 调令 for a secondment
    with schema_context(alpha.schema_name):
        p = Person.objects.get(pk=ex.person.pk)
        assert (p.status, p.secondment_unit, p.secondment_end, p.post_id) == ("seconded_out", "乙单位", end,
                                                                              ex.alpha_post.pk)
    copy = _receiver_copy(beta, ex.person.uid)
    assert copy.status == "seconded_in" and copy.external and copy.department_id == ex.beta_dept.pk
    with schema_context(beta.schema_name):
        assert post_vacancy(ex.beta_post) == 0  # unchanged: beta's own person still holds it
    assert active_units_of(ex.person.uid) == [alpha]  # the kept record stays in one unit
    page = client_for(ex.beta_hr, BETA_HOST).get(f"/m/personnel/exchange/{t.pk}/").content.decode()
    assert "exchange-order" not in page
    assert client_for(ex.beta_hr, BETA_HOST).post(f"/m/personnel/exchange/{t.pk}/order/").status_code == 404

    # the day after the end date, each unit's daily job ends its side
    after = end + timedelta(days=1)
    with schema_context(alpha.schema_name):
        secondments_check(today=after)
        assert Person.objects.get(pk=ex.person.pk).status == "in_post"
    with schema_context(beta.schema_name):
        secondments_check(today=after)
        assert Person.objects.get(pk=copy.pk).status == "left"
