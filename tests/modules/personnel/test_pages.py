"""What HR sees and does on the pages: a record created through the form (wrong check digit
refused with a message in Chinese), a move into a full post refused on the form, the
organisation page's live establishment figures, the reversal button."""
from __future__ import annotations

import re
from datetime import date

from django_tenants.utils import schema_context

from modules.personnel.models import Person, Transfer
from tests.support.factories.personnel import id_number
from tests.support.personnel import D0, transfer_approved, transfer_requested


def test_hr_creates_a_record_through_the_form(org, client_for):
    client = client_for(org.hr)
    number = id_number(date(1993, 6, 18))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    form = {"name": "陈小春", "gender": "male", "id_number": wrong, "entry_date": "2024-07-01",
            "employment_type": "institution", "post": org.clerk.pk, "rank": "专业技术十级"}
    page = client.post("/m/personnel/people/new/", form, follow=True).content.decode()
    assert "校验位" in page
    with schema_context(org.unit.schema_name):
        assert not Person.objects.filter(name="陈小春").exists()
    response = client.post("/m/personnel/people/new/", {**form, "id_number": number.lower()}, follow=True)
    page = response.content.decode()
    with schema_context(org.unit.schema_name):
        person = Person.objects.get(name="陈小春")
        assert person.birth_date == date(1993, 6, 18) and person.name_initials == "cxc"
    assert f"{number[:4]}**********{number[-4:]}" in page and number not in page
    listing = client.get("/m/personnel/?q=cxc").content.decode()
    assert "陈小春" in listing and number not in listing


def test_a_move_into_a_full_post_is_refused_on_the_form(org, client_for):
    org.person("会计甲", post=org.accountant)
    person = org.person("李四")
    page = client_for(org.hr).post(f"/m/personnel/people/{person.pk}/transfers/new/", {
        "kind": "internal", "effective_date": "2026-03-01", "reason": "工作需要", "after_department": org.finance.pk,
        "after_post": org.accountant.pk}, follow=True).content.decode()
    assert "已无空编" in page
    with schema_context(org.unit.schema_name):
        assert not Transfer.objects.filter(person=person).exists()
    # the leader may, with the reason written down
    response = client_for(org.leader).post(f"/m/personnel/people/{person.pk}/transfers/new/", {
        "kind": "internal", "effective_date": "2026-03-01", "reason": "工作需要", "after_department": org.finance.pk,
        "after_post": org.accountant.pk, "establishment_override_reason": "区编办批复临时超编"}, follow=True)
    page = response.content.decode()
    assert "区编办批复临时超编" in page
    with schema_context(org.unit.schema_name):
        assert Transfer.objects.get(person=person).status == Transfer.Status.IN_APPROVAL


def test_organisation_page_shows_live_figures(org, client_for):
    org.person("甲")
    b = org.person("乙", post=org.archivist)
    transfer_approved(org, transfer_requested(org, b, after_post=org.clerk))  # promised to 文秘, not in effect yet
    page = client_for(org.hr).get("/m/personnel/organisation/").content.decode()

    def row(post):
        cells = re.search(rf'<tr class="post-{post.pk}[^"]*">(.*?)</tr>', page, re.S).group(1)
        return [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+|-\d+)</td>', cells)]

    assert row(org.clerk) == [2, 1, 1, 0]  # establishment, occupied, promised, vacancies
    assert row(org.accountant) == [1, 0, 0, 1]
    assert row(org.archivist) == [1, 1, 0, 0]


def test_hr_reverses_an_applied_move_from_its_page(org, client_for):
    person = org.person("王五", entry=date(2020, 1, 1))
    transfer = transfer_approved(org, transfer_requested(org, person, after_post=org.accountant))
    from modules.personnel import services

    with schema_context(org.unit.schema_name):
        services.transfer_apply(transfer_id=transfer.pk, today=D0)
    client = client_for(org.hr)
    assert f"/transfers/{transfer.pk}/reverse/" in client.get(f"/m/personnel/transfers/{transfer.pk}/").content.decode()
    head_page = client_for(org.head).get(f"/m/personnel/transfers/{transfer.pk}/")
    assert head_page.status_code == 404  # 王五 has moved to 财务科: no longer the office head's
    client.post(f"/m/personnel/transfers/{transfer.pk}/reverse/", {"reason": "录入错误"})
    with schema_context(org.unit.schema_name):
        assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REVERSED
        assert Person.objects.get(pk=person.pk).post_id == org.clerk.pk
    page = client.get(f"/m/personnel/people/{person.pk}/").content.decode()
    assert "history-reversal" in page and 'class="history-change reversed"' in page


def test_list_filters_by_rank_and_entry_date_and_pages(org, client_for):
    for n, post in enumerate((org.clerk, org.clerk, org.accountant)):
        org.person(f"早期{n}", entry=date(2010, 1, 1), rank="二级主任科员", post=post)
    org.person("新人", entry=date(2025, 9, 1), rank="一级科员", post=org.archivist)
    client = client_for(org.hr)
    page = client.get("/m/personnel/", {"rank": "二级主任科员"}).content.decode()
    assert "早期0" in page and "新人" not in page
    page = client.get("/m/personnel/", {"entry_from": "2025-01-01"}).content.decode()
    assert "新人" in page and "早期0" not in page
    from modules.personnel.selectors import people_page

    with schema_context(org.unit.schema_name):
        first = people_page(org.hr, page=1, per_page=3)
        second = people_page(org.hr, page=2, per_page=3)
        assert first.paginator.count == 4 and len(first) == 3 and len(second) == 1
        assert not {p.pk for p in first} & {p.pk for p in second}
