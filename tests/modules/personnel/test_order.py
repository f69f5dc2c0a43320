"""The transfer order (调令) PDF: through the platform's reports pipeline, with the order's own
serial (per district and year, no gaps), both units' names, the person, from/to posts and the
effective date; Chinese drawn with the embedded CJK font; only the two parties' HR get it."""
from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django_tenants.utils import schema_context, tenant_context

from tests.conftest import ALPHA_HOST, BETA_HOST
from tests.support.documents import pdf_text
from tests.support.personnel import person_with_history, transfer_issued


@pytest.fixture
def render():
    """Render a requested document as the worker does (the task's body, in the unit)."""
    from zhengtong.reports.services import document_generate

    made = []

    def run(unit, document_id):
        with tenant_context(unit):
            doc = document_generate(document_id=document_id)
            if doc.file:
                made.append(Path(doc.file.path))
        return doc

    yield run
    for path in made:
        path.unlink(missing_ok=True)


def _free_place(beta, post, n=3):
    from modules.personnel.models import Post

    with schema_context(beta.schema_name):
        Post.objects.filter(pk=post.pk).update(establishment=n)


def _complete(ex, alpha, beta, *, effective=None):
    from modules.personnel.exchange.services import exchange_accept

    t = transfer_issued(ex, alpha, beta, effective=effective)
    return exchange_accept(actor=ex.beta_hr, receiver=beta, transfer_id=t.pk, department_id=ex.beta_dept.pk,
                           post_id=ex.beta_post.pk)


def _request_order(client, transfer) -> int:
    r = client.post(f"/m/personnel/exchange/{transfer.pk}/order/")
    assert r.status_code == 302 and r["Location"].startswith("/reports/"), r.get("Location")
    return int(r["Location"].split("/")[2])


def _pdf(client, doc) -> bytes:
    r = client.get(f"/reports/{doc.pk}/download/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    return b"".join(r.streaming_content)


def _text(data: bytes) -> str:
    return re.sub(r"[ \t]+", " ", pdf_text(data))


def test_order_pdf_carries_the_order_figures_in_both_units(alpha, beta, exchange, client_for, render, tmp_path):
    ex = exchange
    _free_place(beta, ex.beta_post)
    t = _complete(ex, alpha, beta)
    year = date.today().year
    assert t.order_number == f"调字〔{year}〕第1号"
    alpha_hr = client_for(ex.alpha_hr, ALPHA_HOST)
    doc = render(alpha, _request_order(alpha_hr, t))
    assert doc.status == "done", doc.error
    data = _pdf(alpha_hr, doc)
    text = _text(data)
    d = t.effective_date
    for expected in ("调令", f"调字〔{year}〕第1号", "甲单位", "乙单位", "王晓梅", "办公室 / 文秘", "教务处 / 教务员",
                     f"{d.year}年{d.month}月{d.day}日", "工作需要", "一级科员", "公务员", doc.number):
        assert expected in text, expected
    # the CJK font is embedded (Chinese is drawn, not boxes that pdftotext still reads)
    path = tmp_path / "order.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert any("WenQuanYi" in r for r in rows), fonts
    assert all(r.split()[-5] == "yes" for r in rows), fonts

    # the receiving unit's HR prints the same order (same serial) in beta
    beta_hr = client_for(ex.beta_hr, BETA_HOST)
    doc_b = render(beta, _request_order(beta_hr, t))
    assert doc_b.status == "done", doc_b.error
    assert f"调字〔{year}〕第1号" in _text(_pdf(beta_hr, doc_b))
    # the transfer page links the document
    assert doc.number in alpha_hr.get(f"/m/personnel/exchange/{t.pk}/").content.decode()


def test_serial_is_per_district_and_year_without_gaps(alpha, beta, exchange, monkeypatch):
    from modules.personnel.exchange import services as exchange_services
    from modules.personnel.exchange.models import CrossUnitTransfer

    ex = exchange
    _free_place(beta, ex.beta_post, n=5)
    first = _complete(ex, alpha, beta)
    assert first.order_sequence == 1
    # a second person; their completion fails once after the order number was taken…
    second_person = person_with_history(alpha, pk=9002, name="李明", department=ex.alpha_dept, post=ex.alpha_post,
                            id_number="330102198506150040")
    ex.person = second_person

    def fail(stage):
        if stage == "sender_released":
            raise RuntimeError("fails after the sender's update, before the number is saved")

    monkeypatch.setattr(exchange_services, "_checkpoint", fail)
    with pytest.raises(RuntimeError):
        _complete(ex, alpha, beta)
    monkeypatch.setattr(exchange_services, "_checkpoint", lambda stage: None)
    t2 = CrossUnitTransfer.objects.get(person_uid=second_person.uid)
    assert t2.status == "approved"  # accepted, but the completion was rolled back
    t2 = exchange_services.exchange_complete(transfer_id=t2.pk, actor=ex.beta_hr)
    assert t2.order_number == f"调字〔{date.today().year}〕第2号"  # no gap
    # a transfer effective next year starts that year's numbering at 1
    third = person_with_history(alpha, pk=9003, name="赵强", department=ex.alpha_dept, post=ex.alpha_post,
                    id_number="440305199003030055")
    ex.person = third
    t3 = _complete(ex, alpha, beta, effective=date.today() + timedelta(days=1))
    CrossUnitTransfer.objects.filter(pk=t3.pk).update(effective_date=date(date.today().year + 1, 1, 1))
    # complete it on its date: move "today" there instead of waiting for New Year
    import django.utils.timezone as tz

    monkeypatch.setattr(tz, "localdate", lambda *a, **k: date(date.today().year + 1, 1, 1))
    t3 = exchange_services.exchange_complete(transfer_id=t3.pk, actor=ex.beta_hr)
    assert t3.order_number == f"调字〔{date.today().year + 1}〕第1号"


def test_only_the_parties_hr_get_the_order(alpha, beta, exchange, client_for, render, make_user):
    from zhengtong.reports.services import document_request

    ex = exchange
    _free_place(beta, ex.beta_post)
    t = _complete(ex, alpha, beta)
    # a unit leader (may see transfers) is not HR: no order from the page …
    leader = make_user(alpha, ["personnel.leader"])
    assert client_for(leader, ALPHA_HOST).post(f"/m/personnel/exchange/{t.pk}/order/").status_code == 404
    # … and a document requested through the reports page fails without showing anything
    doc = document_request(actor=leader, unit=alpha, report_key="personnel.transfer_order",
                           parameters={"exchange": t.pk})
    doc = render(alpha, doc.pk)
    assert doc.status == "failed" and "not available" in doc.error and not doc.file
    # an open (not completed) transfer has no order
    other = person_with_history(alpha, pk=9004, name="钱芳", department=ex.alpha_dept, post=ex.alpha_post,
                    id_number="510107197507200063")
    ex.person = other
    open_t = transfer_issued(ex, alpha, beta)
    assert client_for(ex.alpha_hr, ALPHA_HOST).post(f"/m/personnel/exchange/{open_t.pk}/order/").status_code == 404
