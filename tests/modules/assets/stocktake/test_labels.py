"""QR labels: the PDF sheet carries the unit's name, the asset number and name in an embedded
CJK font, and a QR code that reads back as the card's URL on the unit's host; scanning it
opens the card only for those allowed to see it."""
from __future__ import annotations

import subprocess

from PIL import Image

from tests.support.documents import pdf_text

from ....conftest import ALPHA_HOST, BETA_HOST
from .conftest import card


def qr_in_first_label(png_path, dpi: int) -> list[list[bool]]:
    """Read the module grid of the QR printed on the first label of a rendered page: find the
    dark square in the label's left part (its finder patterns mark the corners), then sample
    the centre of each module."""
    img = Image.open(png_path).convert("L")
    mm = dpi / 25.4
    # The label: 0.4 mm page margin, 3.2 mm border and padding, a 28 mm image with a quiet zone; the
    # text starts 33.7 mm from the left edge and the footer line below 31.6 mm.
    box = img.crop((0, 0, int(32 * mm), int(31 * mm)))
    w, h = box.size
    px = box.load()
    dark = [(x, y) for y in range(h) for x in range(w) if px[x, y] < 100]
    left, top = min(x for x, _ in dark), min(y for _, y in dark)
    right = max(x for x, _ in dark)
    # The top-left finder pattern is 7 modules wide: its dark run on the first row gives the module size.
    run = next(i for i in range(right - left + 2) if px[left + i, top + 2] >= 100)
    size = run / 7
    n = round((right - left + 1) / size)
    step = (right - left + 1) / n
    return [[px[int(left + (i + 0.5) * step), int(top + (j + 0.5) * step)] < 128 for i in range(n)]
            for j in range(n)]


def test_label_sheet_pdf_has_the_cjk_font_the_texts_and_a_qr_of_the_card_url(alpha, people, books, client_for,
                                                                                tmp_path):
    from modules.assets.stocktake.labels import label_url, qr_matrix

    officer = client_for(people.officer, ALPHA_HOST)
    page = officer.get("/m/assets/labels/", {"q": "ALPHA-ST"})
    assert page.status_code == 200 and "ALPHA-ST-003" in page.content.decode()
    r = officer.post("/m/assets/labels/", {"asset": [books["laptop"].pk, books["printer"].pk]})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(r.content)

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # every font embedded
    words = pdf_text(pdf, layout=False)
    for expected in ("甲单位", "ALPHA-ST-002", "激光打印机", "ALPHA-ST-003", "笔记本电脑"):
        assert expected in words, expected

    # The first label (cards come in number order: the printer) holds the QR of its card's URL.
    url = label_url(alpha, books["printer"])
    assert url.startswith("http://alpha.") and url.endswith(f"/m/assets/{books['printer'].pk}/")
    dpi = 400
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")],
                   check=True)
    printed = qr_in_first_label(next(tmp_path.glob("p*.png")), dpi)
    assert printed == qr_matrix(url)
    assert printed != qr_matrix(label_url(alpha, books["laptop"]))  # the check can tell cards apart


def test_labels_are_offered_only_for_cards_the_person_may_see(alpha, people, books, client_for, monkeypatch):
    staff = client_for(people.staff, ALPHA_HOST)  # custodian of the desktop, laptop and chair
    listing = staff.get("/m/assets/labels/").content.decode()
    assert "ALPHA-ST-001" in listing and "ALPHA-ST-002" not in listing
    r = staff.post("/m/assets/labels/", {"asset": [books["printer"].pk]}, follow=True)
    assert r["Content-Type"].startswith("text/html") and "请至少选择一项资产" in r.content.decode()
    # A batch above the limit is refused with the limit named (it is rendered in the request).
    from modules.assets.stocktake import labels

    monkeypatch.setattr(labels, "MAX_LABELS", 1)
    r = staff.post("/m/assets/labels/", {"asset": [books["desktop"].pk, books["laptop"].pk]})
    assert r["Content-Type"].startswith("text/html") and "每次最多打印1张标签" in r.content.decode()


def test_scanning_a_label_opens_the_card_only_with_permission(alpha, beta, people, books, make_user, client_for):
    from modules.assets.stocktake.labels import label_url

    path = label_url(alpha, books["laptop"]).split(ALPHA_HOST, 1)[1]
    path = path[path.index("/m/"):]
    assert client_for(people.staff, ALPHA_HOST).get(path).status_code == 200  # its custodian
    assert "笔记本电脑" in client_for(people.officer, ALPHA_HOST).get(path).content.decode()
    assert client_for(people.holder2, ALPHA_HOST).get(path).status_code == 404  # member, not a holder
    stranger = make_user(beta, ["assets.asset_officer"], name="乙单位资产员")
    assert client_for(stranger, ALPHA_HOST).get(path).status_code == 404  # another unit's officer
    card(beta, number="BETA-ST-009", name="乙单位同号资产", value="100.00", pk=books["laptop"].pk)
    # On beta's host the same id is beta's own card, never alpha's.
    page = client_for(stranger, BETA_HOST).get(path).content.decode()
    assert "乙单位同号资产" in page and "笔记本电脑" not in page
    anonymous = client_for(None, ALPHA_HOST).get(path)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
