"""Semester evaluations (学期考评): module admins set the checklist; the information centre scores
each place and its responsible person; rankings (ties share a rank), trends across semesters,
results exported to xlsx and printed to a PDF with the CJK font embedded."""
from __future__ import annotations

import io
import re
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context, tenant_context
from openpyxl import load_workbook

from modules.equipment.custody import selectors, services
from modules.equipment.custody.models import Evaluation
from modules.equipment.custody.scoring import percent, rank
from tests.support.documents import pdf_text

from .equipment_factories import evaluate

BASE = "/m/equipment/custody"


def test_percent_and_competition_ranking():
    assert percent(D("17"), D("20")) == D("85.00")
    assert percent(D("2"), D("3")) == D("66.67")
    assert percent(D("1"), D("0")) == D("0.00")
    ranked = rank([("a", D("90")), ("b", D("95")), ("c", D("90")), ("d", D("80"))])
    assert [(r.rank, r.key) for r in ranked] == [(1, "b"), (2, "a"), (2, "c"), (4, "d")]


def test_only_module_admins_configure_and_only_the_centre_scores(alpha, school):
    s = school
    with schema_context(alpha.schema_name):
        for who in (s.manager, s.wang):
            with pytest.raises(PermissionDenied, match="模块管理员"):
                services.evaluation_item_save(actor=who, name="额外项目", max_points=D("10"))
        with pytest.raises(PermissionDenied):
            services.evaluation_start(actor=s.wang, semester=s.autumn, place=s.class_1)
        ev = services.evaluation_start(actor=s.manager, semester=s.autumn, place=s.class_1)
        assert ev.responsible == s.wang and ev.available == D("100.00")
        with pytest.raises(ValidationError, match="已有考评"):
            services.evaluation_start(actor=s.manager, semester=s.autumn, place=s.class_1)
        score = ev.scores.order_by("id").first()
        with pytest.raises(ValidationError, match="得分应在 0 到 40.00 之间"):
            services.evaluation_score(actor=s.manager, evaluation=ev, points={score.pk: D("41")})
        with pytest.raises(PermissionDenied):
            services.evaluation_score(actor=s.wang, evaluation=ev, points={score.pk: D("40")})
        services.evaluation_finalise(actor=s.manager, evaluation=ev)
        with pytest.raises(ValidationError, match="已定稿"):
            services.evaluation_score(actor=s.manager, evaluation=ev, points={score.pk: D("10")})


def test_rankings_of_places_and_people_and_a_later_checklist_change_keeps_old_results(alpha, school):
    s = school
    evaluate(alpha, s, s.autumn, s.class_1, ["36", "27", "27"])  # 90
    evaluate(alpha, s, s.autumn, s.class_2, ["40", "25", "20"])  # 85
    evaluate(alpha, s, s.autumn, s.lab, ["40", "30", "20"])  # 90
    evaluate(alpha, s, s.spring, s.class_1, ["20", "20", "20"], final=False)  # a draft is not ranked
    with schema_context(alpha.schema_name):
        places = selectors.place_ranking(user=s.manager, semester=s.autumn)
        assert [(r.rank, e.place.name, e.percent) for r, e in places] == [
            (1, "初一（1）班教室", D("90.00")), (1, "学生机房", D("90.00")), (3, "初一（2）班教室", D("85.00"))]
        people = selectors.person_ranking(user=s.manager, semester=s.autumn)
        assert [(r.rank, person.name, n, r.score) for r, person, n in people] == [
            (1, "李管理员", 1, D("90.00")), (2, "王班主任", 2, D("87.50"))]
        # the checklist changes: old sheets keep the item names and points they were scored on
        services.evaluation_item_save(actor=s.admin, item=s.items[0], name="设备完好", max_points=D("50"))
        ev = Evaluation.objects.get(semester=s.autumn, place=s.class_1)
        assert ev.scores.order_by("id").first().item_name == "设备完好、无灰尘" and ev.percent == D("90.00")


def test_responsible_people_see_only_their_own_final_results(alpha, school, client_for):
    s = school
    mine = evaluate(alpha, s, s.autumn, s.lab, ["30", "30", "30"])
    other = evaluate(alpha, s, s.autumn, s.class_1, ["40", "30", "30"])
    li = client_for(s.li)
    assert li.get(f"{BASE}/evaluations/{mine.pk}/").status_code == 200
    assert li.get(f"{BASE}/evaluations/{other.pk}/").status_code == 404
    page = li.get(f"{BASE}/evaluations/?semester={s.autumn.pk}").content.decode()
    assert "学生机房" in page and "初一（1）班教室" not in page
    assert li.get(f"{BASE}/evaluations/trends/").status_code == 403
    assert li.get(f"{BASE}/evaluations/setup/").status_code == 403
    assert li.post(f"{BASE}/evaluations/{mine.pk}/", {"finalise": "1"}).status_code == 403


def test_scoring_on_the_page_then_trends_with_an_svg_line(alpha, school, client_for):
    s = school
    evaluate(alpha, s, s.autumn, s.lab, ["20", "20", "20"])  # 60
    draft = evaluate(alpha, s, s.spring, s.lab, ["0", "0", "0"], final=False)
    manager = client_for(s.manager)
    with schema_context(alpha.schema_name):
        scores = list(draft.scores.order_by("id"))
    form = {f"points_{sc.pk}": p for sc, p in zip(scores, ["38", "30", "27.5"], strict=True)}
    assert manager.post(f"{BASE}/evaluations/{draft.pk}/", {**form, "remarks": "明显改进"}).status_code == 302
    manager.post(f"{BASE}/evaluations/{draft.pk}/", {"finalise": "1"})
    with schema_context(alpha.schema_name):
        draft.refresh_from_db()
        assert (draft.status, draft.percent) == ("final", D("95.50"))
    page = manager.get(f"{BASE}/evaluations/trends/").content.decode()
    assert "学生机房" in page and "60.00" in page and "95.50" in page
    points = re.search(r'<polyline[^>]*points="([^"]+)"', page).group(1).split()
    assert len(points) == 2 and float(points[0].split(",")[1]) > float(points[1].split(",")[1])  # goes up
    page = manager.get(f"{BASE}/evaluations/?semester={s.spring.pk}").content.decode()
    assert "学生机房" in page and "95.50" in page


def test_results_export_to_xlsx_with_what_the_page_shows(alpha, school, client_for):
    s = school
    evaluate(alpha, s, s.autumn, s.lab, ["40", "30", "20"])
    evaluate(alpha, s, s.autumn, s.class_1, ["30", "30", "30"])
    r = client_for(s.manager).get(f"/imports/export/equipment.evaluation.xlsx?semester={s.autumn.pk}")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert "场所" in header[1] and "得分率" in header[5]
    body = [(row[1], row[2], float(row[5])) for row in rows[1:] if row[1]]
    assert sorted(body) == sorted([("学生机房", "李管理员", 90.0), ("初一（1）班教室", "王班主任", 90.0)])
    # a responsible person's export holds only their own place
    r = client_for(s.li).get(f"/imports/export/equipment.evaluation.xlsx?semester={s.autumn.pk}")
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [row[1] for row in rows[1:] if row[1]] == ["学生机房"]


def test_results_print_to_a_pdf_with_the_chinese_font_embedded(alpha, school, client_for):
    from zhengtong.reports.services import document_generate

    s = school
    evaluate(alpha, s, s.autumn, s.lab, ["40", "30", "20"])
    evaluate(alpha, s, s.autumn, s.class_2, ["30", "30", "20"])
    manager = client_for(s.manager)
    r = manager.post("/reports/new/equipment.evaluation_results/", {"semester": s.autumn.pk})
    assert r.status_code == 302 and r["Location"].startswith("/reports/"), r
    document_id = int(r["Location"].split("/")[2])
    made = None
    try:
        with tenant_context(alpha):  # what the worker runs, in the unit's schema
            doc = document_generate(document_id=document_id)
            made = Path(doc.file.path)
        data = made.read_bytes()
        text = re.sub(r"[ \t]+", " ", pdf_text(data))
        assert "学期考评结果" in text and "2025—2026学年第一学期" in text
        assert "学生机房" in text and "90.00" in text and "初一（2）班教室" in text and "80.00" in text
        assert "责任人排名" in text and "王班主任" in text
        fonts = subprocess.run(["pdffonts", str(made)], capture_output=True, text=True, check=True).stdout
        assert "WenQuanYi" in fonts and " yes " in fonts  # embedded (subset)
    finally:
        if made is not None:
            made.unlink(missing_ok=True)
    # a responsible person may not request it
    assert client_for(s.li).post("/reports/new/equipment.evaluation_results/",
                                 {"semester": s.autumn.pk}).status_code in (403, 404)


def test_module_admin_sets_the_checklist_and_semesters_on_the_setup_page(alpha, school, client_for):
    s = school
    admin = client_for(s.admin)
    r = admin.post(f"{BASE}/evaluations/setup/", {"what": "item", "name": "杀毒软件及时更新", "guidance": "抽查三台",
                                                  "max_points": "10", "position": "4", "active": "on"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        from modules.equipment.custody.models import EvaluationItem, Semester

        added = EvaluationItem.objects.get(name="杀毒软件及时更新")
        assert added.max_points == D("10.00")
    assert "杀毒软件及时更新" in admin.get(f"{BASE}/evaluations/setup/?item={added.pk}").content.decode()
    admin.post(f"{BASE}/evaluations/setup/", {"what": "item", "item_id": added.pk, "name": "杀毒软件及时更新",
                                              "max_points": "15", "position": "4"})
    r = admin.post(f"{BASE}/evaluations/setup/", {"what": "semester", "name": "2026—2027学年第一学期",
                                                  "starts_on": "2026-09-01", "ends_on": "2027-01-20"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        added.refresh_from_db()
        assert (added.max_points, added.active) == (D("15.00"), False)
        assert Semester.objects.filter(name="2026—2027学年第一学期").exists()
    # the information centre scores but does not set the rules
    assert client_for(s.manager).get(f"{BASE}/evaluations/setup/").status_code == 403
    assert client_for(s.manager).post(f"{BASE}/evaluations/setup/", {"what": "semester", "name": "x",
                                                                      "starts_on": "2027-02-01",
                                                                      "ends_on": "2027-07-01"}).status_code == 403
