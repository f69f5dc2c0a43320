"""Declaring what can be imported and exported, per model.

A module describes a spreadsheet once — columns with Chinese headers, types, required,
references, uniqueness, natural key, domain rules — and the platform does the rest:
the downloadable template, streaming validation with a row/column report, the
all-or-nothing commit, Celery for large files, the audit record. The module only
writes how validated records become rows (through its own service) and which
selector lists what a user may export.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal, Protocol

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import EmailValidator, MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.utils import translation
from django.utils.translation import gettext_noop

from zhengtong.core.dates import EARLIEST
from zhengtong.registry.registry import localized

ColumnType = Literal["text", "decimal", "int", "date", "email", "choice"]

# Messages are stored with a job as msgid + parameters and translated when shown, so a
# report reads in the language of whoever opens it. Bilingual msgids translate to their
# Chinese part (see deploy/i18n_fill.py).
MSG_REQUIRED = gettext_noop("Required (必填).")
MSG_TOO_LONG = gettext_noop("At most %(n)d characters (最多%(n)d个字符).")
MSG_NUMBER = gettext_noop("Not a number: %(v)s (不是有效数字).")
MSG_PLACES = gettext_noop("At most %(n)d decimal places (最多%(n)d位小数).")
MSG_MIN = gettext_noop("Must be at least %(min)s (不能小于%(min)s).")
MSG_TOO_LARGE = gettext_noop("The number is too large (数值过大).")
MSG_INTEGER = gettext_noop("Not a whole number: %(v)s (不是整数).")
MSG_DATE = gettext_noop("Not a date: %(v)s; write it as 2024-03-01 (不是有效日期，请写作2024-03-01).")
MSG_DATE_RANGE = gettext_noop("The date %(v)s is not between %(min)s and %(max)s (日期%(v)s不在%(min)s至%(max)s之间).")
MSG_MAX = gettext_noop("Must be at most %(max)s (不能大于%(max)s).")
MSG_EMAIL = gettext_noop("Not an email address: %(v)s (邮箱格式不正确).")
MSG_CHOICE = gettext_noop("Unknown value %(v)s; allowed: %(allowed)s (取值无效).")
MSG_DUPLICATE_IN_FILE = gettext_noop("Same %(col)s as row %(other)d (与第%(other)d行重复).")


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (0 = the file as a whole), column header, message."""

    row: int
    column: str
    message: str  # msgid, translated when shown
    params: dict[str, Any] | None = None

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "params": self.params or {}}


class CellError(Exception):
    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Column:
    """One column of an import template.

    ``key`` names the value in a record; ``reference`` names a method of the definition
    that resolves a set of cell values to objects in one query (e.g. custodians by
    email); ``unique`` means unique inside the file (the database side is the
    definition's natural-key check).
    """

    key: str
    header_zh: str
    header_en: str
    type: ColumnType = "text"
    required: bool = False
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    min_value: Decimal | int | date | None = None
    max_value: Decimal | int | date | None = None
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, label_zh, label_en)
    unique: bool = False
    reference: str | None = None
    example: Any = None
    help_zh: str = ""
    help_en: str = ""

    @property
    def header(self) -> str:
        return localized(self.header_zh, self.header_en)

    @property
    def help(self) -> str:
        return localized(self.help_zh, self.help_en)

    def convert(self, value: Any) -> Any:
        """Cell value → Python value of the column's type, or CellError."""
        if value is None:
            if self.required:
                raise CellError(MSG_REQUIRED)
            return None
        return _CONVERTERS[self.type](self, value)


def model_column(model: type[models.Model], field_name: str, *, header_zh: str, key: str | None = None,
                 **overrides) -> Column:
    """A column that takes type, required, length, digits and minimum from the model field,
    so the template and the database never disagree."""
    f = model._meta.get_field(field_name)
    with translation.override("en"):  # definitions may load while a request runs in Chinese
        kw: dict[str, Any] = {"header_en": str(f.verbose_name).capitalize()}
    if isinstance(f, models.DecimalField):
        kw.update(type="decimal", max_digits=f.max_digits, decimal_places=f.decimal_places)
    elif isinstance(f, (models.IntegerField, models.BigIntegerField)):
        kw["type"] = "int"
    elif isinstance(f, models.DateField):
        kw["type"] = "date"
    elif isinstance(f, models.EmailField):
        kw.update(type="email", max_length=f.max_length)
    elif isinstance(f, models.CharField):
        kw["max_length"] = f.max_length
        if f.choices:
            with translation.override("en"):
                english = [str(label) for _, label in f.choices]
            with translation.override("zh-hans"):
                kw.update(type="choice", choices=tuple(
                    (v, str(label), en) for (v, label), en in zip(f.choices, english, strict=True)))
    kw["required"] = not (f.blank or f.null or f.has_default())
    if kw.get("type") == "int":  # what the column can hold, unless a validator says less
        kw["min_value"], kw["max_value"] = connection.ops.integer_field_range(f.get_internal_type())
    for v in f.validators:
        if isinstance(v, MinValueValidator):
            kw["min_value"] = v.limit_value
        elif isinstance(v, MaxValueValidator):
            kw["max_value"] = v.limit_value
    kw.update(overrides)
    return Column(key=key or field_name, header_zh=header_zh, **kw)


# --------------------------------------------------------------------------- converters

_SPACES = re.compile(r"[\s,，_¥￥]")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EMAIL = EmailValidator()
# Dates outside these are typing slips (0719-08-10 for 2019-08-10, 2204 for 2024), whatever
# the column; a column may narrow the range (min_value/max_value), and the model's own date
# rules (zhengtong.core.dates, run by full_clean in ``model_problems``) narrow it further.
DATE_MIN = EARLIEST
DATE_MAX = date(2099, 12, 31)


def _text(col: Column, value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column, e.g. a numeric asset number
    if isinstance(value, (datetime, date)):
        value = value.strftime("%Y-%m-%d")
    text = str(value).strip()
    if col.max_length is not None and len(text) > col.max_length:
        raise CellError(MSG_TOO_LONG, n=col.max_length)
    return text


def _decimal(col: Column, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(MSG_NUMBER, v=str(value))
    if isinstance(value, float):
        # Excel stores 1234.5 as a binary float; its shortest repr is what the person typed.
        number = Decimal(repr(value))
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        try:
            number = Decimal(_SPACES.sub("", str(value)))
        except InvalidOperation:
            raise CellError(MSG_NUMBER, v=str(value)[:40]) from None
    if not number.is_finite():
        raise CellError(MSG_NUMBER, v=str(value)[:40])
    if col.max_digits is not None:  # before quantize, which cannot hold 1e400 at two places
        places = col.decimal_places or 0
        if abs(number) >= Decimal(10) ** (col.max_digits - places):
            raise CellError(MSG_TOO_LARGE)
    if col.decimal_places is not None:
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > col.decimal_places:
            raise CellError(MSG_PLACES, n=col.decimal_places)
        try:
            number = number.quantize(Decimal(1).scaleb(-col.decimal_places))
        except InvalidOperation:
            raise CellError(MSG_TOO_LARGE) from None
    return _in_range(col, number)


def _in_range(col: Column, number):
    """``number`` if it is within the column's bounds; refused with the bound it passes else."""
    if col.min_value is not None and number < col.min_value:
        raise CellError(MSG_MIN, min=str(col.min_value))
    if col.max_value is not None and number > col.max_value:
        raise CellError(MSG_MAX, max=str(col.max_value))
    return number


def _int(col: Column, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise CellError(MSG_INTEGER, v=str(value)[:40])
    try:
        number = int(_SPACES.sub("", str(value)))
    except ValueError:
        raise CellError(MSG_INTEGER, v=str(value)[:40]) from None
    return _in_range(col, number)


def _date(col: Column, value: Any) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value).strip()
        for pattern in _DATE_PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    pass
                break
        if not isinstance(value, date):
            raise CellError(MSG_DATE, v=text[:40])
    low, high = col.min_value or DATE_MIN, col.max_value or DATE_MAX
    if not low <= value <= high:
        raise CellError(MSG_DATE_RANGE, v=value.isoformat(), min=low.isoformat(), max=high.isoformat())
    return value


def _email(col: Column, value: Any) -> str:
    text = str(value).strip().lower()
    try:
        _EMAIL(text)
    except Exception:
        raise CellError(MSG_EMAIL, v=text[:60]) from None
    return text


def _choice(col: Column, value: Any) -> str:
    text = str(value).strip()
    for v, label_zh, label_en in col.choices:
        if text in (v, label_zh) or text.lower() == label_en.lower():
            return v
    raise CellError(MSG_CHOICE, v=text[:40], allowed="、".join(c[1] for c in col.choices))


_CONVERTERS: dict[str, Callable[[Column, Any], Any]] = {
    "text": _text, "decimal": _decimal, "int": _int, "date": _date, "email": _email, "choice": _choice,
}


def normalise_header(text: str) -> str:
    """'资产名称*', ' 原值（元） ', 'Name (required)' → comparable keys."""
    text = str(text or "").strip().lower()
    text = re.sub(r"\s*[（(]\s*(必填|required)\s*[)）]\s*$", "", text)
    text = text.rstrip("*＊ ").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- definitions

class ImportWriter(Protocol):
    def add(self, records: list[dict[str, Any]]) -> None: ...

    def finish(self) -> CommitResult: ...


@dataclass
class CommitResult:
    created: int = 0
    unchanged: int = 0
    detail: dict[str, Any] | None = None  # what the audit record and the report show


class ImportDefinition:
    """Subclass per model and register an instance (see zhengtong.imports.registry)."""

    key: ClassVar[str]  # "assets.asset"
    module_key: ClassVar[str]  # the module that must be switched on in the unit
    name_zh: ClassVar[str]
    name_en: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    # Column keys identifying a record across imports. A row whose natural key already
    # exists is compared with the stored record: identical → counted as unchanged;
    # different → refused (see ``existing`` and the module's reasons for not updating).
    natural_key: ClassVar[tuple[str, ...]] = ()
    # Model-level permissions the importing user needs in the unit.
    permissions: ClassVar[tuple[str, ...]] = ()
    max_rows: ClassVar[int] = 200_000
    batch_size: ClassVar[int] = 2000
    # The model the rows become. Columns named like one of its plain fields are checked
    # with the model's own validation (full_clean) before anything is written, and its
    # refusals are reported on the row and column, like the engine's own checks.
    model: ClassVar[type[models.Model] | None] = None

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    def may_import(self, user) -> bool:
        return bool(user and user.is_authenticated and all(user.has_perm(p) for p in self.permissions))

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    # Hooks a definition overrides --------------------------------------------------

    def resolve(self, column: Column, values: set[Any]) -> dict[Any, Any]:
        """For ``column.reference``: {cell value: resolved object} for the values that
        exist; missing values are reported by the engine with ``reference_message``."""
        return getattr(self, column.reference)(values)

    def reference_message(self, column: Column) -> str:
        return gettext_noop("Not found: %(v)s (未找到).")

    def clean_record(self, record: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
        """Domain rules on one converted record: yield (column key, msgid, params)."""
        return ()

    def model_problems(self, record: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
        """The model's validation of the values ``record`` carries: (column key, message, {}).

        Only fields given a value are validated (relations are the engine's references;
        a field the file does not carry keeps its default or stored value); uniqueness is
        the natural key's business."""
        fields = _plain_fields(self)
        given = {key: record[key] for key in fields if record.get(key) is not None}
        if not given:
            return
        instance = self.model(**{fields[k].attname: v for k, v in given.items()})
        names = {fields[k].name: k for k in given}
        try:
            instance.full_clean(exclude=[f.name for f in self.model._meta.fields if f.name not in names],
                                validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in validation_messages(exc):
                for message in messages:
                    yield names.get(name, ""), message, {}

    def existing(self, keys: list[tuple]) -> dict[tuple, dict[str, Any]]:
        """Records already stored, by natural key, for ``keys`` (called in batches)."""
        return {}

    def differences(self, record: dict[str, Any], stored: dict[str, Any]) -> list[str]:
        """Column keys in which ``record`` differs from the ``stored`` one."""
        return [c.key for c in self.columns if c.key in stored and stored[c.key] != record.get(c.key)]

    def existing_message(self) -> str:
        return gettext_noop("Already exists with different %(cols)s (已存在且内容不同：%(cols)s).")

    def writer(self, *, actor) -> ImportWriter:
        """What writes valid records, through the module's service, inside the import's
        transaction: ``add(records)`` per batch as the file is read, ``finish()`` once
        every row has passed. Raising anywhere rolls everything back."""
        raise NotImplementedError

    def lock_key(self) -> str:
        """Imports of one definition in one unit run one at a time (advisory lock)."""
        return f"imports.{self.key}"

    def example_row(self) -> list[Any]:
        return [c.example for c in self.columns]


def validation_messages(exc: ValidationError) -> list[tuple[str, list[str]]]:
    """(field name or "", messages) of a model's ValidationError, field errors and not."""
    if hasattr(exc, "error_dict"):
        return [("" if name == NON_FIELD_ERRORS else name, messages) for name, messages in exc.message_dict.items()]
    return [("", exc.messages)]


_FIELDS_CACHE: dict[int, dict[str, models.Field]] = {}


def _plain_fields(definition: ImportDefinition) -> dict[str, models.Field]:
    """{column key: model field} for the columns named like a concrete, non-relation field."""
    cached = _FIELDS_CACHE.get(id(definition))
    if cached is None:
        cached = {}
        if definition.model is not None:
            by_name = {f.name: f for f in definition.model._meta.concrete_fields
                       if not f.is_relation and not f.primary_key}
            cached = {c.key: by_name[c.key] for c in definition.columns if c.key in by_name}
        _FIELDS_CACHE[id(definition)] = cached
    return cached


@dataclass(frozen=True)
class ExportColumn:
    header_zh: str
    header_en: str
    value: Callable[[Any], Any]
    number_format: str | None = None  # xlsx cell format, e.g. '#,##0.00'
    width: int = 14

    @property
    def header(self) -> str:
        return localized(self.header_zh, self.header_en)


class ExportDefinition:
    """A list a user can download: the module's selector decides what they may see."""

    key: ClassVar[str]
    module_key: ClassVar[str]
    name_zh: ClassVar[str]
    name_en: ClassVar[str]
    columns: ClassVar[tuple[ExportColumn, ...]]
    filename: ClassVar[str] = "export"

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    def queryset(self, *, user, params) -> Any:
        """What ``user`` may see with the list's filters ``params`` (a QueryDict)."""
        raise NotImplementedError

    def filters(self, params) -> dict[str, str]:
        """The filters that were applied, for the audit record."""
        return {}
