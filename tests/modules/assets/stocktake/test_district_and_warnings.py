"""District supervisors see each unit's stocktake progress as figures; counters and asset
officers are warned once as a deadline approaches and once when it has passed."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.notifications.models import Notification

from ....conftest import DISTRICT_HOST
from .conftest import card, line_of, start, text


def test_district_sees_each_unit_s_progress_as_figures_only(alpha, beta, people, books, make_user, client_for,
                                                              operator):
    from modules.assets.stocktake import services

    campaign = start(alpha, people.officer, [people.counter], title="甲单位2026年度清查")
    with schema_context(alpha.schema_name):
        services.line_count(actor=people.counter, line=line_of(campaign, books["printer"]), result="not_found")
        services.line_count(actor=people.counter, line=line_of(campaign, books["laptop"]), result="elsewhere",
                            actual_location="305室")
        services.line_count(actor=people.counter, line=line_of(campaign, books["desktop"]), result="found")
        services.surplus_add(actor=people.counter, campaign=campaign, name="投影仪", estimated_value="2500.00")
    beta_officer = make_user(beta, ["assets.asset_officer"])
    card(beta, number="BETA-ST-001", name="乙单位电脑", value="4000.00")
    start(beta, beta_officer, [beta_officer], title="乙单位专项清查")

    for reader in (people.finance, operator):
        page = client_for(reader, DISTRICT_HOST).get("/assets/stocktakes/")
        assert page.status_code == 200, reader
        row = next(r for r in text(page).split("<tr>") if "甲单位2026年度清查" in r)
        cells = [c.split("<")[0].strip() for c in row.split('class="num">')[1:]]
        # counted/total, shortages, shortage original value, surpluses, mismatches
        assert cells == ["3/5", "1", "3,200.00", "1", "1"], row
        assert "乙单位专项清查" in text(page) and "0/1" in text(page)
        # Figures only: no asset names or numbers.
        assert "激光打印机" not in text(page) and "ALPHA-ST-002" not in text(page)

    # Anyone else on the district host, and unit members, get nothing.
    assert client_for(make_user(district_roles=["district.hr_bureau"]), DISTRICT_HOST).get(
        "/assets/stocktakes/").status_code == 404
    assert client_for(people.officer, DISTRICT_HOST).get("/assets/stocktakes/").status_code == 404


def test_deadline_warnings_reach_counters_and_officers_once_per_threshold(alpha, people, books):
    from modules.assets.stocktake import services
    from modules.assets.stocktake.warnings import deadline_warnings_issue

    today = timezone.localdate()
    campaign = start(alpha, people.head, [people.counter, people.counter2], deadline=today + timedelta(days=5))
    later = start(alpha, people.head, [people.counter], title="下月清查", deadline=today + timedelta(days=30))

    def inbox(user):
        with schema_context("public"):
            return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", "title"))

    with schema_context(alpha.schema_name):
        assert deadline_warnings_issue(today=today) == 0  # 5 days away: not yet
        assert deadline_warnings_issue(today=today + timedelta(days=2)) == 1  # 3 days left
        assert deadline_warnings_issue(today=today + timedelta(days=3)) == 0  # said once
    for user in (people.counter, people.counter2, people.officer):
        assert inbox(user) == [("deadline_approaching",
                                f"资产清查“2026年度资产清查”将于{campaign.deadline}截止（已盘点0/5）")]
    assert inbox(people.staff) == [] and inbox(people.head) == []  # not a counter, not the asset officer

    with schema_context(alpha.schema_name):
        services.line_count(actor=people.counter, line=line_of(campaign, books["car"]), result="found")
        assert deadline_warnings_issue(today=today + timedelta(days=6)) == 1  # passed
        assert deadline_warnings_issue(today=today + timedelta(days=7)) == 0
    assert inbox(people.counter2)[-1] == ("deadline_overdue",
                                          f"资产清查“2026年度资产清查”已超过截止日期{campaign.deadline}（已盘点1/5）")
    assert len(inbox(people.officer)) == 2
    # A campaign whose counting is over is not warned about; the later one is untouched.
    with schema_context(alpha.schema_name):
        for line in later.lines.all():
            services.line_count(actor=people.counter, line=line, result="found")
        services.campaign_publish(actor=people.head, campaign=later)
        assert deadline_warnings_issue(today=today + timedelta(days=40)) == 0


def test_the_warning_task_runs_in_the_unit_s_schema(alpha, people, books):
    from modules.assets.stocktake.tasks import stocktake_deadline_warnings

    start(alpha, people.officer, [people.counter], deadline=timezone.localdate())
    assert stocktake_deadline_warnings() == 0  # in the public schema: nothing to do
    with schema_context(alpha.schema_name):
        assert stocktake_deadline_warnings() == 1


def test_a_counter_leaving_their_post_is_reported_to_the_asset_officer(alpha, people, books):
    from zhengtong.registry.handover import PERSON_LEAVING_POST, emit

    alone = start(alpha, people.officer, [people.counter], title="办公室清查")
    shared = start(alpha, people.officer, [people.counter, people.counter2], title="财务科清查")
    start(alpha, people.officer, [people.counter2], title="车库清查")

    def inbox(user):
        with schema_context("public"):
            return list(Notification.objects.filter(recipient=user, kind="module_warning").order_by("title")
                        .values_list("title", flat=True))

    with schema_context(alpha.schema_name):
        for _ in range(2):  # personnel may send it again: the officer is told once
            emit(PERSON_LEAVING_POST, user_id=people.counter.pk, person_id=1, person_name="张盘点",
                 reason="调出本单位", effective_date=timezone.localdate())
    day = timezone.localdate()
    assert inbox(people.officer) == [
        f"盘点人张盘点离岗（{day}）：清查“办公室清查”，本次清查已无其他盘点人，请指定新的盘点人",
        f"盘点人张盘点离岗（{day}）：清查“财务科清查”，请确认是否调整盘点人"]
    assert inbox(people.counter2) == []
    with schema_context(alpha.schema_name):
        # Nothing changed behind the officer's back: the officer decides who counts.
        assert list(alone.counters.values_list("pk", flat=True)) == [people.counter.pk]
        assert shared.counters.count() == 2
