"""QR labels (资产标签) for asset cards: an A4 sheet of 3 × 8 labels (70 × 37 mm, the common
self-adhesive sheet), each with the unit's name, the asset number and name, and a QR code of
the card's URL on the unit's host. Scanning it opens the card page, which checks membership
and permission itself (a stranger gets the sign-in page, a member without a grant 404), and
the stocktake counting page accepts the same URL to find the card.

The sheet is a few pages at most, so it is rendered in the request (WeasyPrint through the
reports engine: the CJK font named explicitly, only the project's static files readable)
rather than queued to the report worker.
"""
from __future__ import annotations

import base64
import io
import os
import tempfile

from django.template.loader import render_to_string
from django.urls import reverse

from zhengtong.core.hosts import unit_url

MAX_LABELS = 120  # five sheets, a few seconds in the request: a bigger batch is printed in parts


def label_url(unit, asset) -> str:
    """What the QR says: the absolute URL of the card on the unit's own host."""
    return unit_url(unit, reverse("assets:detail", args=[asset.pk], urlconf="zhengtong.urls_tenant"))


def qr_matrix(text: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_data_uri(text: str) -> str:
    """The QR as a PNG of one pixel per module (with the 2-module quiet zone), printed without
    smoothing (image-rendering: pixelated in the sheet's CSS) so every module stays a sharp
    square. Measured on this kind of machine: a 240-label sheet renders about 2.5x faster than
    with one SVG path per code (WeasyPrint draws each SVG path itself; a tiny image is one blit)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1)
    qr.add_data(text)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def labels_html(*, unit, assets) -> str:
    from zhengtong.reports.engine import CJK_FONT_FAMILY

    labels = [{"unit": unit.name, "number": a.number, "name": a.name, "url": label_url(unit, a),
               "qr": qr_data_uri(label_url(unit, a))} for a in assets]
    return render_to_string("stocktake/labels_pdf.html", {"labels": labels, "font": CJK_FONT_FAMILY,
                                                          "unit": unit})


def labels_pdf(*, unit, assets) -> bytes:
    from zhengtong.reports.engine import render_html
    from zhengtong.reports.pipeline import static_roots

    html = labels_html(unit=unit, assets=assets)
    fd, path = tempfile.mkstemp(suffix=".pdf", prefix="zt-labels-")
    os.close(fd)
    try:
        render_html(html, path, static_roots())
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)
