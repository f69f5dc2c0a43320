"""Routes that were tested only as refusals, now also as the person allowed, asserting what
that person notices (issue 13): the reviewer keeping the regulation library (add an article,
find it by words and by the date it is in force) and the case selector opening a case by hand."""
from __future__ import annotations

import re

from django_tenants.utils import schema_context

from modules.inspection.models import InspectionCase, RegulationArticle
from tests.conftest import ALPHA_HOST
from zhengtong.audit.models import AuditEvent

LIBRARY = "/m/inspection/regulations/"
TITLE = "逃避追缴欠税的处罚"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_reviewer_adds_an_article_and_every_reader_finds_it_in_the_library(alpha, people, client_for):
    reviewer = client_for(people.reviewer, ALPHA_HOST)
    assert reviewer.get(f"{LIBRARY}new/").status_code == 200
    r = reviewer.post(f"{LIBRARY}new/", {
        "law_name": "中华人民共和国税收征收管理法", "doc_number": "主席令第49号", "article_no": "第六十五条",
        "title": TITLE, "text": "纳税人欠缴应纳税款，采取转移或者隐匿财产的手段，妨碍税务机关追缴欠缴的税款的……",
        "effective_from": "2001-05-01", "effective_to": ""})
    assert r.status_code == 302, _text(r)[:2000]
    with schema_context(alpha.schema_name):
        article = RegulationArticle.objects.get(title=TITLE)
        assert AuditEvent.objects.filter(action="inspection.regulation.create", actor_id=people.reviewer.pk,
                                         object_id=str(article.pk), result="success").exists()
    assert r["Location"].endswith(f"{LIBRARY}{article.pk}/")
    detail = _text(reviewer.get(r["Location"]))
    assert TITLE in detail and "妨碍税务机关追缴欠缴的税款" in detail

    # Readers of the library (an executor only reads it) find it by words and by date in force.
    executor = client_for(people.executor, ALPHA_HOST)
    assert TITLE in _text(executor.get(LIBRARY, {"q": "征收管理法 追缴"}))
    assert TITLE not in _text(executor.get(LIBRARY, {"q": "增值税"}))
    assert TITLE in _text(executor.get(LIBRARY, {"on": "2024-03-31"}))
    assert TITLE not in _text(executor.get(LIBRARY, {"on": "2000-12-31"}))  # not yet in force then
    assert executor.get(f"{LIBRARY}{article.pk}/").status_code == 200
    assert executor.get(f"{LIBRARY}new/").status_code == 403  # reads, does not keep


def test_the_case_selector_opens_a_case_by_hand_with_its_grounds(alpha, people, make_entity, client_for):
    entity = make_entity(alpha, name="举报线索商贸有限公司")
    selector = client_for(people.selector, ALPHA_HOST)
    page = _text(selector.get("/m/inspection/cases/new/", {"entity": entity.pk}))
    assert "举报线索商贸有限公司" in page
    grounds = "群众实名举报该公司长期账外经营、隐匿收入"
    r = selector.post("/m/inspection/cases/new/", {"entity": entity.pk, "kind": "tip_off", "reason": grounds,
                                                   "period": ""})
    assert r.status_code == 302, _text(r)[:2000]
    with schema_context(alpha.schema_name):
        case = InspectionCase.objects.get(entity=entity)
        assert (case.source, case.manual_kind, case.reason, case.selected_by_id) == (
            InspectionCase.Source.MANUAL, "tip_off", grounds, people.selector.pk)
        assert AuditEvent.objects.filter(action="inspection.case.select", actor_id=people.selector.pk,
                                         object_id=str(case.pk), result="success").exists()
    assert r["Location"].endswith(f"/m/inspection/cases/{case.pk}/")
    detail = _text(selector.get(r["Location"]))
    assert case.number in detail and grounds in detail and "举报线索商贸有限公司" in detail
    # the case is in the list, and a second hand-opened case on the same taxpayer is refused
    assert case.number in _text(selector.get("/m/inspection/cases/"))
    again = selector.post("/m/inspection/cases/new/", {"entity": entity.pk, "kind": "other",
                                                       "reason": "再次人工选案的理由说明文字", "period": ""})
    assert again.status_code == 200
    with schema_context(alpha.schema_name):
        assert InspectionCase.objects.filter(entity=entity).count() == 1
