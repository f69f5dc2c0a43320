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
import os
import tempfile

from django.template.loader import render_to_string
from django.urls import reverse

from tenants.urls_util import unit_url

MAX_LABELS = 240  # ten sheets: a bigger batch is better printed in parts


def label_url(unit, asset) -> str:
    """What the QR says: the absolute URL of the card on the unit's own host."""
    return unit_url(unit, reverse("assets:detail", args=[asset.pk], urlconf="zhengtong.urls_tenant"))


def qr_matrix(text: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_svg(text: str) -> str:
    """The QR as an SVG of one path (crisp at any print size, a few hundred bytes)."""
    matrix = qr_matrix(text)
    n = len(matrix)
    d = "".join(f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, on in enumerate(row) if on)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {n + 4} {n + 4}" '
            f'shape-rendering="crispEdges"><rect x="-2" y="-2" width="{n + 4}" height="{n + 4}" fill="#fff"/>'
            f'<path d="{d}" fill="#000"/></svg>')


def qr_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text).encode()).decode()


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
