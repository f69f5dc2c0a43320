"""What an import found: the problems it reports (all counted, the first ones kept) and the
messages it reports them with, translated when shown."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..definitions import RowError

MAX_STORED_ERRORS = 1000  # the report shows these; the count covers all


class _Report:
    """Problems found so far: all counted, the first MAX_STORED_ERRORS kept."""

    def __init__(self):
        self.errors: list[RowError] = []
        self.count = 0
        self.rows_with_errors: set[int] = set()

    def add(self, row: int, column: str, message: str, params: dict | None = None) -> None:
        self.count += 1
        self.rows_with_errors.add(row)
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(row, column, message, params))

    def __bool__(self) -> bool:
        return self.count > 0


class _Stop(Exception):
    """Leave the import's transaction without writing (problems found, or a dry run)."""


MSG_MISSING_COLUMN = gettext_noop("Missing column (缺少列).")
MSG_DUPLICATE_COLUMN = gettext_noop("The column appears twice (列重复).")
MSG_NO_ROWS = gettext_noop("The file has no data rows (文件没有数据行).")
MSG_ALREADY_IMPORTED = gettext_noop(
    "This file was already imported on %(when)s by %(who)s (import #%(job)d); nothing was imported again "
    "(该文件已于%(when)s由%(who)s导入（第%(job)d号导入），未重复导入).")
MSG_NOT_ALLOWED = gettext_noop("You may not import this data (您无权导入此类数据).")
MSG_MODULE_OFF = gettext_noop("The module is switched off for this unit (本单位未启用该模块).")
MSG_CONFLICT = gettext_noop(
    "Someone else changed the same records while this file was being imported; nothing was imported. Upload "
    "the file again (导入期间他人修改了相同的数据，未导入任何数据，请重新上传).")
MSG_UNEXPECTED = gettext_noop(
    "The import stopped on an unexpected error; nothing was imported (导入因意外错误中止，未写入任何数据).")
MSG_UNKNOWN_COLUMNS = gettext_noop("These columns are not imported: %(cols)s (以下列不会导入).")
MSG_COLUMNS_READ = gettext_noop("Columns read from the file: %(cols)s (从文件读取的列).")
MSG_COLUMNS_ABSENT = gettext_noop(
    "Not in the file, so left as they are on records already stored (new records take their defaults): "
    "%(cols)s (文件中没有这些列：已有记录的这些数据保持不变，新记录取默认值).")
MSG_REFUSED_WRITING = gettext_noop(
    "Refused while writing; nothing was imported: %(reason)s (写入时被拒绝，未导入任何数据).")
MSG_NOT_STUCK = gettext_noop(
    "This import is not stuck: it is running or finished (该导入并未中断：正在运行或已结束).")
MSG_OUT_OF_RANGE = gettext_noop(
    "A value does not fit what the data can hold (too long or too large); nothing was imported "
    "(有数值超出可存储范围（过长或过大），未导入任何数据).")


def render_message(message: str, params: dict | None) -> str:
    """A stored msgid + params, in the active language."""
    text = _(message)
    if params:
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text
    return text
