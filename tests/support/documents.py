"""Small real documents for upload tests. Uploads are opened with the library that reads
their format (zhengtong.files.filetypes.content_is_intact), so a test file must be a real
one: "%PDF-1.4 ... %%EOF" with no cross-reference table or page is refused like any fake."""
from __future__ import annotations

import io


def pdf_bytes(note: str = "") -> bytes:
    """A one-page PDF made by pypdf; ``note`` goes into its metadata, to tell files apart."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=72, height=72)
    if note:
        writer.add_metadata({"/Subject": note})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_bytes()


def pdf_text(pdf, *, layout: bool = True) -> str:
    """The text of a PDF (bytes, or a path to one) as poppler's pdftotext reads it; ``layout``
    keeps the page's columns (pdftotext -layout). Pages are separated by form feeds."""
    import subprocess

    args = ["pdftotext", *(["-layout"] if layout else [])]
    if isinstance(pdf, bytes | bytearray):
        return subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True).stdout.decode()
