"""Control characters: refused where people and programs send text, replaced where we write it.

C0 control characters other than tab, line feed and carriage return (U+0000-U+0008, U+000B,
U+000C, U+000E-U+001F) and DEL (U+007F) are never part of text a person means to store. They
arrive by accident (Word's manual line break is U+000B, pasted along with a name) or on purpose
(``?q=%00``): PostgreSQL refuses NUL in text (a 500 on every list page that searched with it),
and XML 1.0 forbids the C0 ones, so a single stored one made a whole xlsx export unreadable.
The same set as openpyxl's ILLEGAL_CHARACTERS_RE, plus DEL.
"""
from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What XML 1.0 (and so xlsx) cannot hold at all; DEL is legal there.
XML_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"  # shows where the character was, instead of silently joining words

CONTROL_CHARACTER_MESSAGE = _("Contains an invisible control character (such as one pasted from Word); "
                              "delete it and type the text again (含有不可见的控制字符，请删除后重新输入).")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS_RE.search(value) is not None


@deconstructible
class ControlCharacterValidator:
    """For text fields (forms, serializers, model fields): refuse control characters."""

    code = "control_characters"

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(CONTROL_CHARACTER_MESSAGE, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharacterValidator)


validate_no_control_characters = ControlCharacterValidator()


def xml_safe(value: Any) -> Any:
    """Text that an XML file (xlsx, docx) can hold: illegal characters become U+FFFD."""
    if isinstance(value, str):
        return XML_ILLEGAL_RE.sub(REPLACEMENT, value)
    return value


def first_control_character(data: Any, name: str = "") -> str | None:
    """The name of the first field in ``data`` (str, dict, list: a parsed JSON body or a
    QueryDict's lists) whose key or text holds a control character; ``None`` if none does.
    Nested fields are named with dots (``items.0.name``)."""
    if isinstance(data, str):
        return (name or "-") if has_control_characters(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            key_text = str(key)
            child = f"{name}.{key_text}" if name else key_text
            if has_control_characters(key_text):
                return CONTROL_CHARACTERS_RE.sub(REPLACEMENT, child)
            found = first_control_character(value, child)
            if found:
                return found
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            found = first_control_character(value, f"{name}.{index}" if name else str(index))
            if found:
                return found
    return None
