"""Stocktake pages as people use them: the officer starts a campaign, a counter counts on the
phone page (scanning a label's URL or searching), members read and object once the results
are published, and units never see each other's campaigns, even with the same ids."""
from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from ....conftest import ALPHA_HOST, BETA_HOST
from .conftest import line_of, start, text


def test_officer_starts_a_campaign_and_a_counter_counts_it_on_the_phone_page(alpha, people, books, client_for):
    from modules.assets.stocktake.labels import label_url
    from modules.assets.stocktake.models import Campaign

    officer = client_for(people.officer, ALPHA_HOST)
    form = text(officer.get("/m/assets/stocktake/new/"))
    assert "张盘点" in form and "刘盘点" in form  # counters are picked among the unit's members
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    r = officer.post("/m/assets/stocktake/new/", {"title": "办公室年度清查", "deadline": deadline,
                                                   "counters": [people.counter.pk], "departments": "办公室"})
    assert r.status_code == 302, text(r)
    with schema_context(alpha.schema_name):
        campaign = Campaign.objects.get(title="办公室年度清查")
        assert sorted(campaign.lines.values_list("number", flat=True)) == ["ALPHA-ST-001", "ALPHA-ST-002",
                                                                          "ALPHA-ST-005"]
    assert r["Location"] == f"/m/assets/stocktake/{campaign.pk}/"

    counter = client_for(people.counter, ALPHA_HOST)
    page = counter.get(f"/m/assets/stocktake/{campaign.pk}/count/")
    assert page.status_code == 200
    # Without a scanner: the cards not counted yet, room by room, each a tap away.
    pending = text(page).split("st-pending")[-1]
    assert pending.index("ALPHA-ST-001") < pending.index("ALPHA-ST-002") < pending.index("ALPHA-ST-005")
    assert "?q=ALPHA-ST-002" in pending
    assert 'name="viewport"' in page.content.decode() and "stocktake/stocktake.css" in page.content.decode()
    # A scanned label gives the card's URL: it finds the card's line.
    scanned = label_url(alpha, books["printer"])
    page = text(counter.get(f"/m/assets/stocktake/{campaign.pk}/count/", {"q": scanned}))
    assert "ALPHA-ST-002 激光打印机" in page and "台式计算机" not in page
    with schema_context(alpha.schema_name):
        printer_line = line_of(campaign, books["printer"])
        desktop_line = line_of(campaign, books["desktop"])
    r = counter.post(f"/m/assets/stocktake/{campaign.pk}/lines/{printer_line.pk}/",
                     {"result": "elsewhere", "actual_location": "档案室", "condition": "damaged", "q": scanned})
    assert r.status_code == 302 and "count/?q=" in r["Location"]
    after = text(counter.get(r["Location"]))
    assert "异地找到" in after and "档案室" in after
    # Another unit's label (same card id, beta's host) does not find alpha's card with that id.
    foreign = scanned.replace("//alpha.", "//beta.")
    page = text(counter.get(f"/m/assets/stocktake/{campaign.pk}/count/", {"q": foreign}))
    assert "该标签属于其他单位的资产" in page and "激光打印机" not in page
    # Searching by name works too; a surplus is recorded from the same page.
    assert "ALPHA-ST-001" in text(counter.get(f"/m/assets/stocktake/{campaign.pk}/count/", {"q": "台式"}))
    counter.post(f"/m/assets/stocktake/{campaign.pk}/lines/{desktop_line.pk}/", {"result": "found"})
    r = counter.post(f"/m/assets/stocktake/{campaign.pk}/surplus/", {"name": "碎纸机", "estimated_value": "650.00",
                                                                      "location": "301室"})
    assert r.status_code == 302
    progress = text(officer.get(f"/m/assets/stocktake/{campaign.pk}/"))
    assert "2/3" in progress
    report = text(officer.get(f"/m/assets/stocktake/{campaign.pk}/report/"))
    assert "碎纸机" in report and "档案室" in report and "650.00" in report

    # The officer does not count (only assigned counters do); nor does another member.
    assert officer.get(f"/m/assets/stocktake/{campaign.pk}/count/").status_code == 404
    staff = client_for(people.staff, ALPHA_HOST)
    assert staff.post(f"/m/assets/stocktake/{campaign.pk}/lines/{desktop_line.pk}/",
                      {"result": "not_found"}).status_code == 404
    with schema_context(alpha.schema_name):
        assert line_of(campaign, books["desktop"]).result == "found"

    # The officer hands the counting over: the first counter is off it, the new one counts.
    assert staff.post(f"/m/assets/stocktake/{campaign.pk}/counters/",  # may not even see it while counting
                      {"counters": [people.staff.pk]}).status_code == 404
    assert counter.post(f"/m/assets/stocktake/{campaign.pk}/counters/",  # a counter may not choose counters
                        {"counters": [people.counter.pk, people.staff.pk]}).status_code == 403
    r = officer.post(f"/m/assets/stocktake/{campaign.pk}/counters/", {"counters": [people.counter2.pk]})
    assert r.status_code == 302
    assert counter.get(f"/m/assets/stocktake/{campaign.pk}/count/").status_code == 404
    assert client_for(people.counter2, ALPHA_HOST).get(f"/m/assets/stocktake/{campaign.pk}/count/").status_code == 200
    report = text(officer.get(f"/m/assets/stocktake/{campaign.pk}/report/"))
    assert "ALPHA-ST-005" in report.split("未盘点")[-1]  # the car is listed as not counted yet


def test_members_read_results_only_once_published_and_object_during_the_notice(alpha, people, books, client_for):
    from modules.assets.stocktake import services
    from modules.assets.stocktake.models import Objection

    campaign = start(alpha, people.officer, [people.counter])
    staff = client_for(people.staff, ALPHA_HOST)
    # While counting, a member who is not a counter does not even learn it exists.
    assert staff.get(f"/m/assets/stocktake/{campaign.pk}/").status_code == 404
    assert staff.get(f"/m/assets/stocktake/{campaign.pk}/report/").status_code == 404
    assert "2026年度资产清查" not in text(staff.get("/m/assets/stocktake/"))
    assert staff.post(f"/m/assets/stocktake/{campaign.pk}/publish/").status_code == 404

    officer = client_for(people.officer, ALPHA_HOST)
    refused = text(officer.post(f"/m/assets/stocktake/{campaign.pk}/publish/", follow=True))
    assert "未盘点" in refused  # the reason is shown
    with schema_context(alpha.schema_name):
        for line in campaign.lines.all():
            services.line_count(actor=people.counter, line=line, result="found" if line.number != "ALPHA-ST-002"
                                else "not_found")
    assert officer.post(f"/m/assets/stocktake/{campaign.pk}/publish/").status_code == 302

    assert "2026年度资产清查" in text(staff.get("/m/assets/stocktake/"))
    report = text(staff.get(f"/m/assets/stocktake/{campaign.pk}/report/"))
    assert "激光打印机" in report and "3,200.00" in report
    # A custodian may not publish or submit adjustments.
    assert staff.post(f"/m/assets/stocktake/{campaign.pk}/adjust/").status_code == 403
    with schema_context(alpha.schema_name):
        printer_line = line_of(campaign, books["printer"])
    detail = text(staff.get(f"/m/assets/stocktake/{campaign.pk}/"))
    assert f'<option value="{printer_line.pk}">ALPHA-ST-002 激光打印机' in detail  # the shortage may be named
    r = staff.post(f"/m/assets/stocktake/{campaign.pk}/objections/", {"text": "打印机借给了工会",
                                                                       "line": printer_line.pk}, follow=True)
    assert "打印机借给了工会" in text(r)
    with schema_context(alpha.schema_name):
        objection = Objection.objects.get(campaign=campaign)
        assert (objection.raised_by_id, objection.line_id) == (people.staff.pk, printer_line.pk)
    # During the notice, adjustments are refused with the reason.
    page = text(officer.post(f"/m/assets/stocktake/{campaign.pk}/adjust/", follow=True))
    assert "公示期满后才能提交调账审批" in page
    assert staff.post(f"/m/assets/stocktake/{campaign.pk}/objections/{objection.pk}/answer/",
                      {"answer": "x"}).status_code == 403
    officer.post(f"/m/assets/stocktake/{campaign.pk}/objections/{objection.pk}/answer/",
                 {"answer": "已核实，工会无此打印机"})
    assert "已核实，工会无此打印机" in text(staff.get(f"/m/assets/stocktake/{campaign.pk}/"))


def test_beta_cannot_see_or_change_alpha_campaigns_with_the_same_ids(alpha, beta, people, books, make_user,
                                                                    client_for):
    from modules.assets.stocktake.models import Campaign, StocktakeLine

    from .conftest import card

    alpha_campaign = start(alpha, people.officer, [people.counter], title="甲单位清查")
    beta_officer = make_user(beta, ["assets.asset_officer"], name="乙资产员")
    beta_counter = make_user(beta, ["assets.custodian"], name="乙盘点员")
    card(beta, number="BETA-ST-001", name="乙单位电脑", value="4000.00")
    with schema_context(beta.schema_name), connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('assets_stocktake_campaign', 'id'), %s, false)",
                    [alpha_campaign.pk])
    beta_campaign = start(beta, beta_officer, [beta_counter], title="乙单位清查")
    assert beta_campaign.pk == alpha_campaign.pk
    with schema_context(alpha.schema_name):
        alpha_line = alpha_campaign.lines.first()

    # Beta's people on alpha's host: 404 for every page and action.
    for user in (beta_officer, beta_counter):
        c = client_for(user, ALPHA_HOST)
        for path in ("", "report/", "count/"):
            assert c.get(f"/m/assets/stocktake/{alpha_campaign.pk}/{path}").status_code == 404
        assert c.post(f"/m/assets/stocktake/{alpha_campaign.pk}/publish/").status_code == 404
        assert c.post(f"/m/assets/stocktake/{alpha_campaign.pk}/lines/{alpha_line.pk}/",
                      {"result": "not_found"}).status_code == 404

    # On their own host the same ids show beta's campaign only.
    own = text(client_for(beta_officer, BETA_HOST).get(f"/m/assets/stocktake/{beta_campaign.pk}/"))
    assert "乙单位清查" in own and "甲单位清查" not in own
    counter_b = client_for(beta_counter, BETA_HOST)
    page = text(counter_b.get(f"/m/assets/stocktake/{beta_campaign.pk}/count/", {"q": "ALPHA-ST-001"}))
    assert "台式计算机" not in page
    # Alpha's counter on beta's host: 404, even though "their" campaign id exists there.
    assert client_for(people.counter, BETA_HOST).get(
        f"/m/assets/stocktake/{beta_campaign.pk}/count/").status_code == 404
    with schema_context(alpha.schema_name):
        assert Campaign.objects.get(pk=alpha_campaign.pk).status == "counting"
        assert StocktakeLine.objects.get(pk=alpha_line.pk).result == "pending"
