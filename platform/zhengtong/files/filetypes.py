"""What a file *is*, judged by its content (magic bytes), never by its name.

A name says nothing: ``invoice.pdf`` may be a Windows program. We read the first bytes
with the ``filetype`` package and accept only types on a use's allow-list; the stored
file gets the extension of what it really is.
"""
from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype

# Enough for filetype's matchers, including the OOXML (docx/xlsx) ones, which look for
# their part names near the start of the zip container.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    key: str  # our key, used in allow-lists
    extension: str  # the extension the stored file gets
    mime: str
    label: str  # shown to users in "allowed: …"


FILE_TYPES: dict[str, FileType] = {t.key: t for t in (
    FileType("pdf", "pdf", "application/pdf", "PDF"),
    FileType("jpg", "jpg", "image/jpeg", "JPG"),
    FileType("png", "png", "image/png", "PNG"),
    FileType("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    FileType("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    FileType("ofd", "ofd", "application/ofd", "OFD"),
)}

# filetype's extension → our key (filetype says "jpg" for JPEG, "xlsx"/"docx" for OOXML).
_FROM_FILETYPE = {"pdf": "pdf", "jpg": "jpg", "png": "png", "xlsx": "xlsx", "docx": "docx"}

# Programs and scripts get their own refusal message: someone renamed one on purpose,
# or a machine is infected; either way the user should know exactly why.
EXECUTABLE_KINDS = {"exe", "elf", "wasm", "swf", "crx", "deb", "rpm", "cab", "Z"}


@dataclass(frozen=True)
class Sniffed:
    type: FileType | None  # one of FILE_TYPES, or None
    detected: str  # what filetype saw ("exe", "zip", "" when nothing)
    is_executable: bool


def _is_ofd(head: bytes) -> bool:
    # OFD (GB/T 33190, the format of China's electronic invoices) is a zip package whose
    # root entry OFD.xml is written first by the issuing software; filetype does not know
    # OFD and would call it a plain zip (not allowed).
    return head.startswith(b"PK\x03\x04") and b"OFD.xml" in head[:512]


def sniff(fileobj: IO[bytes]) -> Sniffed:
    """Identify ``fileobj`` from its first bytes; the read position is restored."""
    pos = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(SNIFF_BYTES)
    finally:
        fileobj.seek(pos)
    if _is_ofd(head):
        return Sniffed(FILE_TYPES["ofd"], "ofd", False)
    if head.startswith(b"#!"):  # shell/python scripts: no magic number, but a shebang
        return Sniffed(None, "script", True)
    kind = filetype.guess(head)
    if kind is None:
        return Sniffed(None, "", False)
    key = _FROM_FILETYPE.get(kind.extension)
    return Sniffed(FILE_TYPES[key] if key else None, kind.extension, kind.extension in EXECUTABLE_KINDS)


# The part each zip-based type cannot be without: a zip that lacks it is something else
# (or a hand-made container), whatever its first bytes say.
_REQUIRED_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml", "ofd": "OFD.xml"}


def _opens_as_pdf(fileobj: IO[bytes]) -> bool:
    import pypdf
    from pypdf.errors import PyPdfError

    # pypdf logs every repair it attempts on a broken file; the refusal says enough.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(fileobj, strict=False)
        return len(reader.pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        # What pypdf raises on text dressed as a PDF: no cross-reference table, no trailer,
        # no page tree — e.g. "%PDF-" followed by an HTML page.
        return False


def _opens_as_image(fileobj: IO[bytes], key: str) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(fileobj) as image:
            fmt = image.format
            # verify() checks the structure and chunk checksums without decoding the pixels,
            # so a huge declared size costs nothing here.
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return fmt == {"jpg": "JPEG", "png": "PNG"}[key]


def _opens_as_package(fileobj: IO[bytes], key: str) -> bool:
    try:
        with zipfile.ZipFile(fileobj) as package:
            return _REQUIRED_PART[key] in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def content_is_intact(file_type: FileType, fileobj: IO[bytes]) -> bool:
    """Whether ``fileobj`` really is a ``file_type`` document, judged by opening it with the
    library that reads that format (pypdf, Pillow, zipfile), not by its first bytes only.

    Magic bytes are one line an attacker writes at the top of anything: "%PDF-" followed by an
    HTML page passes them. The read position is restored.
    """
    pos = fileobj.tell()
    try:
        fileobj.seek(0)
        if file_type.key == "pdf":
            return _opens_as_pdf(fileobj)
        if file_type.key in ("jpg", "png"):
            return _opens_as_image(fileobj, file_type.key)
        if file_type.key in _REQUIRED_PART:
            return _opens_as_package(fileobj, file_type.key)
        return True
    finally:
        fileobj.seek(pos)
