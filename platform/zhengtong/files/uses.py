"""Uses of attachments: what a module lets people attach to which kind of object.

A module declares its uses once (e.g. "assets.invoice": PDF/JPG/PNG/OFD on an asset card)
and includes ``files/attachments.html`` on the object's page. Everything else — upload,
checks, storage under the unit's folder, permission-checked download — is this app's.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.translation import get_language

from .filetypes import FILE_TYPES


@dataclass(frozen=True)
class AttachmentUse:
    key: str  # "<module>.<use>", e.g. "assets.invoice"
    model: str  # owner model label, e.g. "assets.Asset"
    label_zh: str
    label_en: str
    types: tuple[str, ...]  # keys of FILE_TYPES allowed for this use
    max_bytes: int | None = None  # tighter than ZT_UPLOAD_MAX_BYTES, if set
    max_files: int = 20  # per owner object

    def __post_init__(self):
        unknown = [t for t in self.types if t not in FILE_TYPES]
        if unknown:
            raise ValueError(f"Unknown file type(s) {unknown} in use {self.key!r}")

    @property
    def module_key(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "").startswith("en") else self.label_zh

    @property
    def size_limit(self) -> int:
        limit = settings.ZT_UPLOAD_MAX_BYTES
        return min(limit, self.max_bytes) if self.max_bytes else limit

    @property
    def types_label(self) -> str:
        return ", ".join(FILE_TYPES[t].label for t in self.types)

    def owner_model(self):
        return apps.get_model(self.model)

    def accept_attr(self) -> str:
        """For the file input's ``accept``: a hint to the browser only, never trusted."""
        return ",".join("." + FILE_TYPES[t].extension for t in self.types) + (",.jpeg" if "jpg" in self.types else "")


_uses: dict[str, AttachmentUse] = {}


def register_use(use: AttachmentUse) -> AttachmentUse:
    if use.key in _uses and _uses[use.key] != use:
        raise ValueError(f"Attachment use {use.key!r} registered twice")
    _uses[use.key] = use
    return use


def get_use(key: str) -> AttachmentUse | None:
    return _uses.get(key)


def uses_for(model) -> list[AttachmentUse]:
    label = model._meta.label
    return [u for u in _uses.values() if u.model == label]
