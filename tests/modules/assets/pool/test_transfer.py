"""District idle pool: alpha offers an idle asset, beta requests it, both units' heads and the
district finance bureau approve, and the card moves from alpha's books to beta's in one
transaction — ending in exactly one unit, with its values and history — even when the move
fails half way."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from modules.assets.models import Asset
from modules.assets.pool import services
from modules.assets.pool.models import PoolListing, PoolTransfer
from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from zhengtong.audit.models import AuditEvent

from .conftest import make_idle


def _offer_and_request(alpha, beta, cast, asset):
    with schema_context(alpha.schema_name):
        listing = services.pool_publish(actor=cast.officer_a, asset_id=asset.pk, note="会议室用")
    with schema_context(beta.schema_name):
        transfer = services.pool_request(actor=cast.officer_b, listing_id=listing.pk, reason="新设科室缺投影仪")
    return listing, transfer


def _active_in(unit, name):
    with schema_context(unit.schema_name):
        return list(Asset.objects.filter(name=name).exclude(status=Asset.Status.DISPOSED))


def _decide(unit, cast_member, transfer, party, decision="approve"):
    schema = unit.schema_name if unit is not None else "public"
    with schema_context(schema):
        return services.pool_transfer_decide(actor=cast_member, transfer_id=transfer.pk, party=party,
                                             decision=decision)


def test_transfer_moves_the_card_with_its_values_and_history_to_exactly_one_unit(alpha, beta, cast, make_asset):
    # Same primary key in both units: beta already holds another card with alpha's id.
    asset = make_idle(alpha, make_asset, pk=910001, name="池测投影仪", accumulated_depreciation=Decimal("3100.50"),
                      depreciated_through=date(2025, 10, 31))
    make_asset(beta, pk=910001, name="乙单位自有电脑")
    listing, transfer = _offer_and_request(alpha, beta, cast, asset)
    assert listing.net_value == Decimal("8899.50") and listing.unit == alpha
    _decide(alpha, cast.head_a, transfer, "giver")
    _decide(beta, cast.head_b, transfer, "receiver")
    transfer = _decide(None, cast.bureau, transfer, "bureau")

    assert transfer.status == PoolTransfer.Status.EXECUTED
    with schema_context("public"):  # executing again (a second click) moves nothing twice
        services.pool_transfer_execute(actor=cast.bureau, transfer_id=transfer.pk)
    assert transfer.decision_number.startswith(f"调剂〔{date.today().year}〕")
    # Exactly one unit has it on its books.
    assert _active_in(alpha, "池测投影仪") == []
    [new] = _active_in(beta, "池测投影仪")
    assert (new.original_value, new.accumulated_depreciation, new.acquired_on, new.depreciated_through) == (
        Decimal("12000.00"), Decimal("3100.50"), date(2024, 1, 15), date(2025, 10, 31))
    assert new.acquisition_method == Asset.AcquisitionMethod.TRANSFER_IN and new.number.startswith("BETA-")
    assert new.pk != 910001 and transfer.new_asset_id == new.pk
    with schema_context(beta.schema_name):
        assert Asset.objects.get(pk=910001).name == "乙单位自有电脑"  # beta's own card untouched
        moved_in = AuditEvent.objects.get(action="assets.asset.transfer_in", object_id=str(new.pk))
    # The offering unit keeps the card as disposed by transfer, with the decision number.
    with schema_context(alpha.schema_name):
        old = Asset.objects.get(pk=910001)
        assert old.status == Asset.Status.DISPOSED and old.decision_number == transfer.decision_number
        assert AuditEvent.objects.filter(action="assets.asset.transfer_out", object_id="910001").exists()
    # History travels: alpha's events on the card (its creation, the offer) are in beta's trail.
    actions = [h["action"] for h in moved_in.after["history"]]
    assert "data.create" in actions and "assets.pool.publish" in actions
    assert moved_in.after["from_number"] == asset.number
    assert moved_in.after["decision_number"] == transfer.decision_number
    assert [h["action"] for h in transfer.history] == actions
    assert PoolListing.objects.get(pk=listing.pk).status == PoolListing.Status.TRANSFERRED
    # who/when of each approval is kept
    assert [(p, by.pk) for p, by, at in transfer.signatures if at] == [
        ("giver", cast.head_a.pk), ("receiver", cast.head_b.pk), ("bureau", cast.bureau.pk)]


def _fail_inserts(unit):
    """A real database failure of the receiving unit's books (rolled back with the test)."""
    s = unit.schema_name
    with connection.cursor() as cur:
        cur.execute(f'CREATE FUNCTION "{s}".zt_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS '
                    "$$BEGIN RAISE EXCEPTION 'receiving books refuse the card'; END$$")
        cur.execute(f'CREATE TRIGGER zt_refuse_insert BEFORE INSERT ON "{s}".assets_asset '
                    f'FOR EACH ROW EXECUTE FUNCTION "{s}".zt_refuse_insert()')


def _allow_inserts(unit):
    with connection.cursor() as cur:
        cur.execute(f'DROP TRIGGER zt_refuse_insert ON "{unit.schema_name}".assets_asset')


def test_a_transfer_failing_half_way_leaves_the_asset_only_in_the_giving_unit_unchanged(alpha, beta, cast,
                                                                                       make_asset):
    asset = make_idle(alpha, make_asset, name="池测半途失败")
    listing, transfer = _offer_and_request(alpha, beta, cast, asset)
    _decide(alpha, cast.head_a, transfer, "giver")
    _decide(beta, cast.head_b, transfer, "receiver")
    with schema_context(alpha.schema_name):
        before = Asset.objects.get(pk=asset.pk)
        events_before = AuditEvent.objects.count()
    _fail_inserts(beta)  # the giving side has been written when the receiving insert fails
    transfer = _decide(None, cast.bureau, transfer, "bureau")

    assert transfer.status == PoolTransfer.Status.APPROVED  # approvals stand, nothing executed
    assert "receiving books refuse the card" in transfer.execution_error
    assert transfer.decision_number == "" and transfer.new_asset_id is None
    with schema_context(alpha.schema_name):
        after = Asset.objects.get(pk=asset.pk)
        assert (after.status, after.version, after.decision_number, after.status_changed_on) == (
            before.status, before.version, before.decision_number, before.status_changed_on)
        assert AuditEvent.objects.filter(action="assets.asset.transfer_out").count() == 0
        assert AuditEvent.objects.count() == events_before
    assert len(_active_in(alpha, "池测半途失败")) == 1 and _active_in(beta, "池测半途失败") == []
    assert PoolListing.objects.get(pk=listing.pk).status == PoolListing.Status.REQUESTED

    # Once the cause is gone the bureau executes it, and the first decision number is used.
    _allow_inserts(beta)
    with schema_context("public"):
        assert services.pool_transfer_try_execute(actor=cast.bureau, transfer_id=transfer.pk)
    transfer.refresh_from_db()
    assert transfer.status == PoolTransfer.Status.EXECUTED and transfer.execution_error == ""
    assert _active_in(alpha, "池测半途失败") == [] and len(_active_in(beta, "池测半途失败")) == 1


def test_the_card_moves_only_after_all_three_approve(alpha, beta, cast, make_asset):
    asset = make_idle(alpha, make_asset, name="池测审批门槛")
    listing, transfer = _offer_and_request(alpha, beta, cast, asset)
    with pytest.raises(ValidationError):  # the bureau signs after both units
        _decide(None, cast.bureau, transfer, "bureau")
    _decide(alpha, cast.head_a, transfer, "giver")
    with pytest.raises(ValidationError):
        _decide(None, cast.bureau, transfer, "bureau")
    with schema_context("public"), pytest.raises(ValidationError):  # no execution before the bureau signs
        services.pool_transfer_execute(actor=cast.bureau, transfer_id=transfer.pk)
    _decide(beta, cast.head_b, transfer, "receiver")
    assert len(_active_in(alpha, "池测审批门槛")) == 1 and _active_in(beta, "池测审批门槛") == []
    assert PoolTransfer.objects.get(pk=transfer.pk).status == PoolTransfer.Status.PENDING
    _decide(None, cast.bureau, transfer, "bureau")
    assert _active_in(alpha, "池测审批门槛") == [] and len(_active_in(beta, "池测审批门槛")) == 1


def test_a_rejection_stops_the_transfer_and_offers_the_asset_again(alpha, beta, cast, make_asset):
    asset = make_idle(alpha, make_asset, name="池测驳回")
    listing, transfer = _offer_and_request(alpha, beta, cast, asset)
    _decide(alpha, cast.head_a, transfer, "giver")
    transfer = _decide(beta, cast.head_b, transfer, "receiver", decision="reject")
    assert transfer.status == PoolTransfer.Status.REJECTED and transfer.rejected_by == cast.head_b
    with pytest.raises(ValidationError):
        _decide(None, cast.bureau, transfer, "bureau")
    assert PoolListing.objects.get(pk=listing.pk).status == PoolListing.Status.LISTED
    assert len(_active_in(alpha, "池测驳回")) == 1


def test_beta_cannot_act_for_alpha_on_alphas_listing(alpha, beta, cast, make_asset, make_user):
    asset = make_idle(alpha, make_asset, name="池测隔离")
    listing, transfer = _offer_and_request(alpha, beta, cast, asset)
    # Beta's head cannot sign as the giving unit, alpha's head not as the receiver.
    with pytest.raises(PermissionDenied):
        _decide(beta, cast.head_b, transfer, "giver")
    with pytest.raises(PermissionDenied):
        _decide(alpha, cast.head_a, transfer, "receiver")
    # The requester signs for nobody, not even with the head's role; nobody signs twice.
    both = make_user(beta, ["assets.asset_officer", "platform.unit_admin"])
    with schema_context(alpha.schema_name):
        other = services.pool_publish(actor=cast.officer_a, asset_id=make_idle(alpha, make_asset).pk)
    with schema_context(beta.schema_name):
        own = services.pool_request(actor=both, listing_id=other.pk)
    with pytest.raises(PermissionDenied):
        _decide(beta, both, own, "receiver")
    # Beta's officer cannot withdraw alpha's listing or offer an asset as alpha.
    with schema_context(beta.schema_name), pytest.raises(PermissionDenied):
        services.pool_withdraw(actor=cast.officer_b, listing_id=listing.pk)
    with schema_context(alpha.schema_name), pytest.raises(PermissionDenied):
        services.pool_publish(actor=cast.officer_b, asset_id=asset.pk)


def test_pages_keep_each_unit_to_its_own_side(alpha, beta, cast, make_asset, client_for):
    asset = make_idle(alpha, make_asset, name="池测页面")
    listing, transfer = _offer_and_request(alpha, beta, cast, asset)
    url = f"/m/assets/pool/transfers/{transfer.pk}/"
    # Beta's head posting on beta's host signs as receiver, never as giver.
    resp = client_for(cast.head_b, BETA_HOST).post(url + "decide/", {"decision": "approve"})
    assert resp.status_code == 302
    transfer.refresh_from_db()
    assert transfer.receiver_approved_by == cast.head_b and transfer.giver_approved_by is None
    # Beta's people on alpha's host: not members there.
    assert client_for(cast.head_b, ALPHA_HOST).post(url + "decide/", {"decision": "approve"}).status_code in (403, 404)
    assert client_for(cast.officer_b, ALPHA_HOST).post(
        f"/m/assets/pool/listings/{listing.pk}/withdraw/").status_code in (403, 404)
    transfer.refresh_from_db()
    assert transfer.giver_approved_by is None
    # Alpha's head approves on alpha's host; the pool page of alpha lists the transfer.
    page = client_for(cast.head_a, ALPHA_HOST).get(url)
    assert page.status_code == 200 and "池测页面" in page.content.decode()
    client_for(cast.head_a, ALPHA_HOST).post(url + "decide/", {"decision": "approve"})
    # A unit officer is no bureau on the district portal; the bureau executes there.
    assert client_for(cast.officer_a, DISTRICT_HOST).get(f"/assets/pool/transfers/{transfer.pk}/").status_code == 404
    resp = client_for(cast.bureau, DISTRICT_HOST).post(f"/assets/pool/transfers/{transfer.pk}/decide/",
                                                       {"decision": "approve"})
    assert resp.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == PoolTransfer.Status.EXECUTED
    # Beta's card page shows where the asset came from, alpha's where it went.
    card = client_for(cast.officer_b, BETA_HOST).get(f"/m/assets/{transfer.new_asset_id}/").content.decode()
    assert transfer.decision_number in card and "甲单位" in card
    card = client_for(cast.officer_a, ALPHA_HOST).get(f"/m/assets/{asset.pk}/").content.decode()
    assert transfer.decision_number in card and "乙单位" in card


def test_only_idle_assets_are_offered_and_only_once(alpha, cast, make_asset):
    in_use = make_asset(alpha, name="池测在用")
    idle = make_idle(alpha, make_asset, name="池测重复")
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError):
            services.pool_publish(actor=cast.officer_a, asset_id=in_use.pk)
        services.pool_publish(actor=cast.officer_a, asset_id=idle.pk)
        with pytest.raises(ValidationError):
            services.pool_publish(actor=cast.officer_a, asset_id=idle.pk)
        with pytest.raises(ValidationError):  # a unit does not request its own asset
            services.pool_request(actor=cast.officer_a,
                                  listing_id=PoolListing.objects.get(unit=alpha, asset_id=idle.pk).pk)


def test_offer_request_and_withdraw_through_the_pages(alpha, beta, cast, make_asset, make_user, client_for):
    asset = make_idle(alpha, make_asset, name="池测页面发布")
    officer_a = client_for(cast.officer_a, ALPHA_HOST)
    assert "池测页面发布" in officer_a.get("/m/assets/pool/idle/").content.decode()
    assert officer_a.post(f"/m/assets/pool/idle/{asset.pk}/publish/", {"note": "九成新"}).status_code == 302
    listing = PoolListing.objects.get(unit=alpha, asset_id=asset.pk)
    # Beta's officer sees the offer on beta's own host, with alpha's name and the values.
    officer_b = client_for(cast.officer_b, BETA_HOST)
    pool = officer_b.get("/m/assets/pool/").content.decode()
    assert "池测页面发布" in pool and "甲单位" in pool and "¥12,000.00" in pool
    resp = officer_b.post(f"/m/assets/pool/listings/{listing.pk}/request/", {"reason": "教学用"})
    transfer = PoolTransfer.objects.get(listing=listing)
    assert resp.status_code == 302 and resp["Location"].endswith(f"/m/assets/pool/transfers/{transfer.pk}/")
    assert PoolListing.objects.get(pk=listing.pk).status == PoolListing.Status.REQUESTED
    # A custodian of beta is not in the pool; alpha's officer cannot withdraw beta's request.
    custodian_b = client_for(make_user(beta, ["assets.custodian"]), BETA_HOST)
    assert custodian_b.get("/m/assets/pool/").status_code == 404
    client_for(cast.officer_a, ALPHA_HOST).post(f"/m/assets/pool/transfers/{transfer.pk}/decide/",
                                                {"decision": "withdraw"})
    assert PoolTransfer.objects.get(pk=transfer.pk).status == PoolTransfer.Status.PENDING
    with schema_context(alpha.schema_name):  # the refused attempt is in alpha's trail
        assert AuditEvent.objects.filter(action="assets.pool.refused", actor_id=cast.officer_a.pk,
                                         result=AuditEvent.Result.DENIED).exists()
    # Beta's officer withdraws it: the asset is offered again.
    officer_b.post(f"/m/assets/pool/transfers/{transfer.pk}/decide/", {"decision": "withdraw"})
    assert PoolTransfer.objects.get(pk=transfer.pk).status == PoolTransfer.Status.WITHDRAWN
    assert PoolListing.objects.get(pk=listing.pk).status == PoolListing.Status.LISTED
