"""In a real browser: HR of unit A issues a transfer-out of a person to unit B, B's HR accepts
and places them in a post, downloads the transfer order (调令) PDF that a real worker renders,
and finds the move on the person's timeline in B.

Runs against gunicorn on the test database, so what the pages need is committed into two
scratch units of their own; they, their users and the transfer are removed afterwards, and the
district's order numbering is put back as it was (other tests count on 第1号)."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page
from tests.support.documents import pdf_text
from tests.support.worker import running_worker


def _scratch_unit(slug, name, hr_name):
    from tests.support.factories import DepartmentFactory, MemberFactory, PostFactory, UnitFactory

    unit = UnitFactory(name=name, slug=slug, module_keys=["personnel"])
    hr = MemberFactory(unit=unit, roles=["personnel.hr"], email=f"hr-{slug}@test.cn", name=hr_name)
    dept = DepartmentFactory(unit=unit, actor=hr, name="综合科" if "甲" in name else "教务处")
    post = PostFactory(unit=unit, actor=hr, department=dept, title="科员" if "甲" in name else "教务员",
                       establishment=2)
    connection.set_schema_to_public()
    return unit, hr, dept, post


def _person(unit, hr, dept, post):
    from modules.personnel.services import person_create

    with schema_context(unit.schema_name):
        person = person_create(actor=hr, name="周文静", gender="female", id_number="11010519491231002X",
                               entry_date=date(2016, 4, 1), employment_type="civil_servant", department=dept,
                               post=post, rank="一级科员")
    connection.set_schema_to_public()
    return person


@pytest.mark.browser
def test_transfer_out_accepted_order_downloaded_and_timeline_shows_the_move(django_db_setup, django_db_blocker,
                                                                             tmp_path):
    from modules.personnel.exchange.models import CrossUnitTransfer, OrderSequence
    from tests.support.committed import drop_unit, drop_users

    tag = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        numbering_before = {(s.district_id, s.year): s.last for s in OrderSequence.objects.all()}
        a_unit, a_hr, a_dept, a_post = _scratch_unit(f"pa{tag}", f"甲街道{tag}", "甲 人事")
        b_unit, b_hr, b_dept, b_post = _scratch_unit(f"pb{tag}", f"乙学校{tag}", "乙 人事")
        person = _person(a_unit, a_hr, a_dept, a_post)
        try:
            with running_worker(), live_server() as port, chromium() as browser:
                a_base = f"http://{a_unit.slug}.zt.test:{port}"
                b_base = f"http://{b_unit.slug}.zt.test:{port}"

                # A's HR issues the transfer out, naming B
                a = signed_in_page(browser, a_base, a_hr)
                a.goto(f"{a_base}/m/personnel/exchange/new/?person={person.pk}")
                a.select_option("form.exchange-issue select[name=receiver]", str(b_unit.pk))
                a.fill("form.exchange-issue [name=effective_date]", date.today().isoformat())
                a.fill("form.exchange-issue [name=reason]", "工作需要，调任教务工作")
                with a.expect_navigation():
                    a.locator("form.exchange-issue button").click()
                assert "周文静" in a.locator("main").inner_text()

                # B's HR finds it among the incoming transfers, places the person and accepts
                b = signed_in_page(browser, b_base, b_hr)
                b.goto(f"{b_base}/m/personnel/exchange/")
                incoming = b.locator("table.exchange-table").first
                assert a_unit.name in incoming.inner_text()
                with b.expect_navigation():
                    incoming.get_by_role("link", name="周文静").click()
                b.select_option("form.exchange-accept select[name=department]", str(b_dept.pk))
                b.select_option("form.exchange-accept select[name=post]", str(b_post.pk))
                with b.expect_navigation():
                    b.locator("form.exchange-accept button").click()
                order_number = b.locator(".order-number").inner_text().strip()
                assert order_number.startswith(f"调字〔{date.today().year}〕第")

                # the transfer order PDF, rendered by the worker while the document page waits
                exchange_url = b.url
                with b.expect_navigation():
                    b.locator("form.exchange-order button").click()
                download = b.locator("a[href$='/download/']")
                download.wait_for(timeout=120_000)
                with b.expect_download() as info:
                    download.click()
                path = tmp_path / "order.pdf"
                info.value.save_as(path)
                text = pdf_text(path)
                for expected in ("调令", order_number, a_unit.name, b_unit.name, "周文静", "综合科 / 科员",
                                 "教务处 / 教务员"):
                    assert expected in text, expected

                # the person's timeline in B: the career in A carried over, then the move into B
                b.goto(exchange_url)
                with b.expect_navigation():
                    b.locator("a.person-record").click()
                timeline = b.locator("table.timeline").inner_text()
                assert a_unit.name in timeline and "综合科" in timeline and "教务员" in timeline
                assert "周文静" in b.locator("main").inner_text()

            transfer = CrossUnitTransfer.objects.get(person_uid=person.uid)
            assert transfer.status == "completed"
            with schema_context(a_unit.schema_name):
                from modules.personnel.models import Person

                assert Person.objects.get(pk=person.pk).status == "left_transferred"
        finally:
            connection.set_schema_to_public()
            transfers = CrossUnitTransfer.objects.filter(sender=a_unit)
            for t in transfers.filter(order_sequence__isnull=False):
                # give the scratch transfer's order number back (it was the latest of its year)
                OrderSequence.objects.filter(district_id=t.district_id, year=t.order_year).delete()
            for t in transfers:
                t.events.all().delete()
            transfers.delete()
            for (district_id, year), last in numbering_before.items():
                OrderSequence.objects.update_or_create(district_id=district_id, year=year, defaults={"last": last})
            drop_unit(a_unit)
            drop_unit(b_unit)
            drop_users([a_hr, b_hr])
            connection.set_schema_to_public()
