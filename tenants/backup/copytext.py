"""PostgreSQL's COPY text format, field by field."""
from __future__ import annotations

import io
from collections.abc import Iterator


# ------------------------------------------------------------------ COPY text format
def _unescape(value: bytes) -> str | None:
    """One field of COPY text format as text (None for NULL)."""
    if value == b"\\N":
        return None
    out, i, raw = [], 0, value
    simple = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v", b"\\": b"\\"}
    while i < len(raw):
        ch = raw[i:i + 1]
        if ch == b"\\" and i + 1 < len(raw):
            nxt = raw[i + 1:i + 2]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return b"".join(out).decode("utf-8")


def _escape(value: str | None) -> bytes:
    if value is None:
        return b"\\N"
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            .encode("utf-8"))


def _lines(stream: io.BufferedIOBase) -> Iterator[bytes]:
    # Literal newlines inside values are escaped (\n), so a line is always one row.
    for line in stream:
        yield line.rstrip(b"\n")


def _rows(data: bytes) -> list[list[bytes]]:
    return [line.split(b"\t") for line in data.split(b"\n") if line]
