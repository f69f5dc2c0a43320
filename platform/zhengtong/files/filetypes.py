"""What a file *is*, judged by its content (magic bytes), never by its name.

A name says nothing: ``invoice.pdf`` may be a Windows program. We read the first bytes
with the ``filetype`` package and accept only types on a use's allow-list; the stored
file gets the extension of what it really is.
"""
from __future__ import annotations

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
