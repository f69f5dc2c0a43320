"""Stocktake campaigns through their services: the frozen snapshot, counting rights, the
discrepancy figures on a known set of cards, and book adjustments that wait for the end of
the public notice and for the approval before they change any card."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django_tenants.utils import schema_context, tenant_context

from tests.support.documents import pdf_text
from zhengtong.audit.models import AuditEvent

from ....conftest import ALPHA_HOST, DISTRICT_HOST
from .conftest import D, line_of, start


def count_all(alpha, people, books, campaign):
    """The count the discrepancy tests expect: two shortages, one found elsewhere, one held
    by someone else, one surplus."""
    from modules.assets.stocktake import services

    with schema_context(alpha.schema_name):
        services.line_count(actor=people.counter, line=line_of(campaign, books["desktop"]), result="found",
                            condition="good")
        services.line_count(actor=people.counter, line=line_of(campaign, books["printer"]), result="not_found")
        services.line_count(actor=people.counter2, line=line_of(campaign, books["laptop"]), result="elsewhere",
                            actual_location="305室")
        services.line_count(actor=people.counter2, line=line_of(campaign, books["chair"]), result="found",
                            actual_custodian=people.holder2, condition="damaged")
        services.line_count(actor=people.counter, line=line_of(campaign, books["car"]), result="not_found")
        services.surplus_add(actor=people.counter, campaign=campaign, name="投影仪", estimated_value=D("2500.00"),
                             location="会议室", custodian=people.holder2)


def test_the_snapshot_freezes_the_books_in_scope_at_the_start(alpha, people, books):
    from modules.assets.models import Asset
    from modules.assets.stocktake.models import StocktakeLine

    campaign = start(alpha, people.officer, [people.counter])
    with schema_context(alpha.schema_name):
        lines = {ln.number: ln for ln in StocktakeLine.objects.filter(campaign=campaign)}
        # Disposed cards are off the books: not counted.
        assert sorted(lines) == ["ALPHA-ST-001", "ALPHA-ST-002", "ALPHA-ST-003", "ALPHA-ST-004", "ALPHA-ST-005"]
        desktop = lines["ALPHA-ST-001"]
        assert (desktop.name, desktop.location, desktop.department, desktop.custodian_id, desktop.custodian_name,
                desktop.original_value, desktop.net_value) == (
            "台式计算机", "301室", "办公室", people.staff.pk, "陈职员", D("5000.00"), D("4000.00"))
        # The card moves on; the snapshot does not.
        Asset.objects.filter(pk=books["desktop"].pk).update(location="401室", original_value=D("6000.00"))
        desktop.refresh_from_db()
        assert (desktop.location, desktop.original_value) == ("301室", D("5000.00"))
        assert AuditEvent.objects.filter(action="assets.stocktake.start", object_id=str(campaign.pk),
                                         actor_id=people.officer.pk).exists()

    # A scope by department takes only that department's cards.
    finance_only = start(alpha, people.head, [people.counter], departments=["财务科"])
    with schema_context(alpha.schema_name):
        assert sorted(finance_only.lines.values_list("number", flat=True)) == ["ALPHA-ST-003", "ALPHA-ST-004"]
        assert not finance_only.scope_all
        # A class covers its subclasses (GB/T 14885 codes): 302 computers = 30201 desktops + 30202 laptops.
        from modules.assets.models import Category

        Asset.objects.filter(pk=books["desktop"].pk).update(asset_class=Category.objects.get(code="30201"))
        Asset.objects.filter(pk=books["laptop"].pk).update(asset_class=Category.objects.get(code="30202"))
    computers = start(alpha, people.officer, [people.counter], class_codes=["302"])
    with schema_context(alpha.schema_name):
        assert sorted(computers.lines.values_list("number", "class_code")) == [
            ("ALPHA-ST-001", "30201"), ("ALPHA-ST-003", "30202")]
    with pytest.raises(ValidationError, match="资产分类"):
        start(alpha, people.officer, [people.counter], class_codes=["999"])


def test_only_the_asset_officer_or_unit_admin_starts_and_counters_must_be_members(alpha, beta, people, books,
                                                                                   make_user):
    with pytest.raises(PermissionDenied):
        start(alpha, people.counter, [people.counter])
    stranger = make_user(beta, ["assets.custodian"], name="乙单位人员")
    with pytest.raises(ValidationError, match="本单位成员"):
        start(alpha, people.officer, [stranger])


def test_counters_count_only_the_campaigns_they_are_assigned_to(alpha, people, books):
    from modules.assets.stocktake import services

    mine = start(alpha, people.officer, [people.counter], title="办公室清查")
    theirs = start(alpha, people.officer, [people.counter2], title="财务科清查")
    with schema_context(alpha.schema_name):
        services.line_count(actor=people.counter, line=line_of(mine, books["desktop"]), result="found")
        for actor in (people.counter, people.officer, people.staff):  # the officer does not count either
            with pytest.raises(PermissionDenied):
                services.line_count(actor=actor, line=line_of(theirs, books["desktop"]), result="found")
            with pytest.raises(PermissionDenied):
                services.surplus_add(actor=actor, campaign=theirs, name="椅子", estimated_value=D("100.00"))
        assert line_of(theirs, books["desktop"]).result == "pending"
        assert line_of(mine, books["desktop"]).result == "found"
        # "Found elsewhere" needs the place.
        with pytest.raises(ValidationError, match="实际存放地点"):
            services.line_count(actor=people.counter, line=line_of(mine, books["laptop"]), result="elsewhere")


def test_discrepancies_on_a_known_snapshot(alpha, people, books):
    from modules.assets.stocktake import selectors

    campaign = start(alpha, people.officer, [people.counter, people.counter2])
    count_all(alpha, people, books, campaign)
    with schema_context(alpha.schema_name):
        d = selectors.discrepancies(campaign)
    assert [ln.number for ln in d.shortages] == ["ALPHA-ST-002", "ALPHA-ST-005"]
    assert (d.shortage_totals.count, d.shortage_totals.original_value, d.shortage_totals.net_value) == (
        2, D("183200.00"), D("144000.00"))
    assert [s.name for s in d.surpluses] == ["投影仪"]
    assert (d.surplus_totals.count, d.surplus_totals.original_value) == (1, D("2500.00"))
    assert [ln.number for ln in d.location_mismatches] == ["ALPHA-ST-003"]
    assert [ln.number for ln in d.custodian_mismatches] == ["ALPHA-ST-004"]
    assert (d.mismatch_totals.count, d.mismatch_totals.original_value, d.mismatch_totals.net_value) == (
        2, D("9200.00"), D("7200.00"))
    assert (d.books.count, d.books.original_value, d.books.net_value) == (5, D("197400.00"), D("155200.00"))
    assert (d.found.count, d.found.original_value) == (3, D("14200.00"))
    assert d.damaged == 1 and not d.uncounted and d.count == 5


def publish(alpha, people, campaign):
    from modules.assets.stocktake import services

    with schema_context(alpha.schema_name):
        return services.campaign_publish(actor=people.officer, campaign=campaign)


def end_notice(alpha, campaign):
    """The public notice period passes (its end is moved to a minute ago)."""
    from modules.assets.stocktake.models import Campaign

    with schema_context(alpha.schema_name):
        Campaign.objects.filter(pk=campaign.pk).update(notice_ends_at=timezone.now() - timedelta(minutes=1))


def cards(alpha, books):
    from modules.assets.models import Asset

    with schema_context(alpha.schema_name):
        return {k: Asset.objects.get(pk=a.pk) for k, a in books.items()}


def state(alpha, books):
    """What the books say of each card (model instances compare by id only)."""
    return {k: (a.status, a.location, a.custodian_id, a.version) for k, a in cards(alpha, books).items()}


def test_publishing_needs_every_card_counted_and_opens_the_notice_for_the_rule_s_days(alpha, people, books,
                                                                                      make_user):
    from modules.assets.stocktake import services
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import module_rules_update

    campaign = start(alpha, people.officer, [people.counter, people.counter2])
    with pytest.raises(ValidationError, match="5项资产未盘点"):
        publish(alpha, people, campaign)
    count_all(alpha, people, books, campaign)
    manifest = get_module("assets")
    with schema_context(alpha.schema_name):
        module_rules_update(manifest=manifest, actor=make_user(alpha, ["assets.module_admin"]),
                            values={**manifest.rule_defaults(), "stocktake_notice_days": 10})
    before = timezone.now()
    campaign = publish(alpha, people, campaign)
    assert campaign.status == "published" and campaign.notice_days == 10
    assert timedelta(days=10) <= campaign.notice_ends_at - before < timedelta(days=10, minutes=1)
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match="已结束盘点"):  # counting is over
            services.line_count(actor=people.counter, line=line_of(campaign, books["printer"]), result="found")


def test_adjustments_are_refused_in_the_notice_period_and_change_cards_only_after_approval(
        alpha, people, books, client_for, django_capture_on_commit_callbacks):
    from modules.assets.stocktake import services
    from modules.assets.stocktake.models import Campaign
    from zhengtong.approvals import services as approvals
    from zhengtong.approvals.models import ApprovalStep

    campaign = start(alpha, people.officer, [people.counter, people.counter2])
    count_all(alpha, people, books, campaign)
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError, match="公示"):  # not even published
            services.adjustments_submit(actor=people.officer, campaign=campaign)
    campaign = publish(alpha, people, campaign)
    untouched = state(alpha, books)

    # During the notice: refused, in both languages, and nothing changes.
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError) as refused:
            services.adjustments_submit(actor=people.officer, campaign=campaign)
        ends = timezone.localtime(campaign.notice_ends_at).strftime("%Y-%m-%d %H:%M")
        assert refused.value.messages == [f"公示期至{ends}，公示期满后才能提交调账审批。"]
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            services.adjustments_submit(actor=people.officer, campaign=campaign)
        assert "book adjustments can be submitted only after it ends" in refused.value.messages[0]
        objection = services.objection_raise(actor=people.staff, campaign=campaign, text="打印机在档案室，并未丢失")
    end_notice(alpha, campaign)
    with schema_context(alpha.schema_name):
        # After the notice nobody may object any more; an objection left unanswered blocks the adjustment.
        with pytest.raises(ValidationError, match="公示期内"):
            services.objection_raise(actor=people.staff, campaign=campaign, text="迟到的异议")
        with pytest.raises(ValidationError, match="异议未答复"):
            services.adjustments_submit(actor=people.officer, campaign=campaign)
        with pytest.raises(PermissionDenied):
            services.objection_answer(actor=people.staff, objection=objection, answer="自问自答")
        services.objection_answer(actor=people.officer, objection=objection, answer="已复核档案室，未找到该打印机")
        with pytest.raises(PermissionDenied):  # the engine: only the officer or unit admin submits
            services.adjustments_submit(actor=people.counter, campaign=campaign)
        with django_capture_on_commit_callbacks(execute=True):
            req = services.adjustments_submit(actor=people.officer, campaign=campaign, reason="清查调账")
        assert Campaign.objects.get(pk=campaign.pk).status == "in_approval"
        # 183,200 yuan of shortages: from the bureau's threshold (50,000) the finance bureau signs too.
        assert list(req.steps.values_list("key", flat=True)) == ["unit_head", "finance_bureau"]
        assert req.facts["amount"] == "183200.00"
    assert state(alpha, books) == untouched  # in approval: still nothing changed

    with schema_context(alpha.schema_name), django_capture_on_commit_callbacks(execute=True):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
        approvals.approval_decide(request_id=req.pk, step_id=step.pk, actor=people.head, decision="approve",
                                  comment="同意，报区财政局")
    assert state(alpha, books) == untouched  # the unit head signed; the bureau has not yet

    finance = client_for(people.finance, DISTRICT_HOST)
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, key="finance_bureau")
    r = finance.post(f"/approvals/alpha/{req.pk}/act/", {"action": "approve", "step": step.pk, "comment": "同意调账"})
    assert r.status_code == 302

    after = cards(alpha, books)
    # Shortages written off, the approval as their decision number.
    assert after["printer"].status == after["car"].status == "disposed"
    assert "盘亏核销" in after["printer"].status_reason and after["car"].decision_number == f"approval #{req.pk}"
    assert after["laptop"].location == "305室" and after["laptop"].custodian_id == people.staff.pk
    assert after["chair"].custodian_id == people.holder2.pk and after["chair"].location == "303室"
    assert (after["desktop"].status, after["desktop"].location) == ("in_use", "301室")
    assert after["old"].status == "disposed"
    with schema_context(alpha.schema_name):
        from modules.assets.models import Asset
        from zhengtong.core.permissions import can

        surplus = Asset.objects.get(name="投影仪")
        assert (surplus.original_value, surplus.acquisition_method, surplus.location, surplus.custodian_id) == (
            Decimal("2500.00"), "surplus", "会议室", people.holder2.pk)
        # Custody moved with the card: the new holder may open it, the old one no longer.
        assert can(people.holder2, "assets.view_asset", after["chair"])
        assert not can(people.staff, "assets.view_asset", after["chair"])
        c = Campaign.objects.get(pk=campaign.pk)
        assert c.status == "adjusted" and c.adjusted_at is not None
        assert AuditEvent.objects.filter(action="assets.stocktake.adjust", object_id=str(campaign.pk),
                                         actor_id=people.finance.pk).exists()
        assert AuditEvent.objects.filter(action="assets.asset.stocktake_adjust",
                                         object_id=str(books["chair"].pk)).exists()
        # Applying again (a replayed hook) changes nothing.
        assert services.adjustments_apply(campaign_id=campaign.pk, actor=people.head, approval_ref="again") == {}
        assert Asset.objects.filter(name="投影仪").count() == 1


def test_a_rejected_adjustment_changes_nothing_and_can_be_submitted_again(alpha, people, books):
    from modules.assets.stocktake import services
    from modules.assets.stocktake.models import Campaign
    from zhengtong.approvals import services as approvals
    from zhengtong.approvals.models import ApprovalStep

    campaign = start(alpha, people.officer, [people.counter])
    with schema_context(alpha.schema_name):
        for key in ("desktop", "laptop", "chair", "car"):
            services.line_count(actor=people.counter, line=line_of(campaign, books[key]), result="found")
        services.line_count(actor=people.counter, line=line_of(campaign, books["printer"]), result="not_found")
    publish(alpha, people, campaign)
    end_notice(alpha, campaign)
    untouched = state(alpha, books)
    with schema_context(alpha.schema_name):
        req = services.adjustments_submit(actor=people.officer, campaign=campaign)
        assert list(req.steps.values_list("key", flat=True)) == ["unit_head"]  # 3,200 yuan: the unit decides
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
        approvals.approval_decide(request_id=req.pk, step_id=step.pk, actor=people.head, decision="reject",
                                  comment="请再核实")
        assert Campaign.objects.get(pk=campaign.pk).status == "published"
    assert state(alpha, books) == untouched
    with schema_context(alpha.schema_name):
        req2 = services.adjustments_submit(actor=people.officer, campaign=campaign)
        step = ApprovalStep.objects.get(request_id=req2.pk, status="active")
        approvals.approval_decide(request_id=req2.pk, step_id=step.pk, actor=people.head, decision="approve")
    assert cards(alpha, books)["printer"].status == "disposed"


def test_a_count_that_matches_the_books_has_nothing_to_adjust_and_is_closed_after_the_notice(
        alpha, people, books, client_for):
    from modules.assets.stocktake import services

    campaign = start(alpha, people.officer, [people.counter])
    with schema_context(alpha.schema_name):
        for line in campaign.lines.all():
            services.line_count(actor=people.counter, line=line, result="found")
    publish(alpha, people, campaign)
    with schema_context(alpha.schema_name), pytest.raises(ValidationError, match="公示期满后"):
        services.campaign_close(actor=people.officer, campaign=campaign)
    end_notice(alpha, campaign)
    with schema_context(alpha.schema_name), pytest.raises(ValidationError, match="账实相符"):
        services.adjustments_submit(actor=people.officer, campaign=campaign)
    officer = client_for(people.officer, ALPHA_HOST)
    page = officer.get(f"/m/assets/stocktake/{campaign.pk}/").content.decode()
    assert "结束清查（账实相符）" in page and "提交调账审批" not in page
    assert client_for(people.staff, ALPHA_HOST).post(f"/m/assets/stocktake/{campaign.pk}/close/").status_code == 403
    assert officer.post(f"/m/assets/stocktake/{campaign.pk}/close/").status_code == 302
    with schema_context(alpha.schema_name):
        campaign.refresh_from_db()
        assert campaign.status == "closed"
        assert AuditEvent.objects.filter(action="assets.stocktake.close", object_id=str(campaign.pk)).exists()


def test_a_count_with_discrepancies_cannot_be_closed_without_adjusting(alpha, people, books):
    from modules.assets.stocktake import services

    campaign = start(alpha, people.officer, [people.counter, people.counter2])
    count_all(alpha, people, books, campaign)
    publish(alpha, people, campaign)
    end_notice(alpha, campaign)
    with schema_context(alpha.schema_name), pytest.raises(ValidationError, match="账实不符"):
        services.campaign_close(actor=people.officer, campaign=campaign)


def test_discrepancy_report_pdf_for_the_asset_officer(alpha, people, books, client_for):
    import subprocess

    from zhengtong.reports import services as reports
    from zhengtong.reports.models import IssuedDocument

    campaign = start(alpha, people.officer, [people.counter, people.counter2])
    count_all(alpha, people, books, campaign)
    officer = client_for(people.officer, ALPHA_HOST)
    assert "/reports/new/assets.stocktake_discrepancies/" in officer.get(f"/m/assets/stocktake/{campaign.pk}/"
                                                                          ).content.decode()
    r = officer.post("/reports/new/assets.stocktake_discrepancies/", {"campaign": campaign.pk})
    assert r.status_code == 302
    with tenant_context(alpha):  # as the worker runs it: the unit itself is the tenant
        document = IssuedDocument.objects.get(report_key="assets.stocktake_discrepancies")
        done = reports.document_generate(document_id=document.pk)
        assert done.status == "done", done.error
        path = done.file.path
    try:
        words = pdf_text(path)
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    finally:
        import os

        os.unlink(path)
    assert "WenQuanYi" in fonts
    for expected in ("资产清查盘点差异表", "ALPHA-ST-002", "激光打印机", "投影仪", "305室", "周使用", "183,200.00",
                     "144,000.00", "2,500.00"):
        assert expected in words, expected

    # The PDF is the asset officer's document: others are not offered it (they read the page)...
    staff = client_for(people.staff, ALPHA_HOST)
    assert staff.post("/reports/new/assets.stocktake_discrepancies/", {"campaign": campaign.pk}).status_code == 404
    # ...and a request naming a campaign this unit does not have (another unit's id) yields no document.
    with tenant_context(alpha):
        doc = reports.document_request(actor=people.officer, unit=alpha, report_key="assets.stocktake_discrepancies",
                                       parameters={"campaign": campaign.pk + 1000})
        failed = reports.document_generate(document_id=doc.pk)
    assert failed.status == "failed" and not failed.file
