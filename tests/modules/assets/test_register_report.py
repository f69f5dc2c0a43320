"""The asset register (资产登记簿) PDF: with "all statuses" it lists and totals the cards on the
books; disposed cards count only when the person asks for them, and the header says so."""
from __future__ import annotations

import re

from django_tenants.utils import schema_context

from modules.assets.models import Asset
from tests.support.documents import pdf_text
from tests.support.reports import generate, request

OFFICER = "assets.asset_officer"


def _books(alpha, make_asset):
    make_asset(alpha, name="激光打印机", value="3000.50")
    make_asset(alpha, name="会议桌", value="1200.25")
    scrapped = make_asset(alpha, name="报废空调", value="6800.00")
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=scrapped.pk).update(status=Asset.Status.DISPOSED)


def test_all_statuses_totals_the_cards_on_the_books(alpha, make_user, make_asset, issued_files):
    _books(alpha, make_asset)
    officer = make_user(alpha, [OFFICER], name="资产专管员甲")

    doc = generate(alpha, request(alpha, officer, {"q": "", "status": ""}), issued_files)
    text = pdf_text(doc.pdf)
    assert doc.status == "done" and doc.rows == 2
    assert "报废空调" not in text
    assert re.search(r"合计\s*2\s*项.*4,200\.75", text), text
    assert "11,000.75" not in text
    assert "不含已处置" in text  # the header says what "all statuses" holds


def test_disposed_cards_count_when_asked_for_and_the_header_says_so(alpha, make_user, make_asset,
                                                                    issued_files):
    _books(alpha, make_asset)
    officer = make_user(alpha, [OFFICER], name="资产专管员甲")

    asked = generate(alpha, request(alpha, officer, {"status": "", "include_disposed": "on"}), issued_files)
    text = pdf_text(asked.pdf)
    assert asked.rows == 3 and "报废空调" in text
    assert re.search(r"合计\s*3\s*项.*11,000\.75", text), text
    assert "含已处置" in text and "不含已处置" not in text

    only = generate(alpha, request(alpha, officer, {"status": "disposed"}), issued_files)
    text = pdf_text(only.pdf)
    assert only.rows == 1 and re.search(r"合计\s*1\s*项.*6,800\.00", text), text


def test_the_request_page_offers_the_choice(alpha, make_user, client_for):
    officer = make_user(alpha, [OFFICER])
    page = client_for(officer).get("/reports/new/assets.register/").content.decode()
    assert 'name="include_disposed"' in page and "含已处置" in page
