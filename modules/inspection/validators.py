"""Checks on the inspection module's reference data: industry codes and filing periods."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB/T 4754-2017 (国民经济行业分类): a section letter, then a 2-digit division, 3-digit
# group or 4-digit class. Each section owns a fixed range of divisions, so "C51" is not a
# code (division 51 is wholesale, section F) even though it has the right shape.
SECTION_DIVISIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52), "G": (53, 60),
    "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79),
    "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 97), "T": (98, 98),
}
INDUSTRY_CODE_RE = re.compile(r"^([A-T])(\d{2,4})?$")


def normalise_industry_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_industry_code(value: str) -> None:
    code = normalise_industry_code(value)
    m = INDUSTRY_CODE_RE.match(code)
    if not m:
        raise ValidationError(
            _("An industry code is a section letter A–T followed by 2 to 4 digits, e.g. F5137 "
              "(行业代码应为门类字母A–T加2至4位数字，如F5137)."), code="industry_format")
    digits = m.group(2)
    if digits:
        low, high = SECTION_DIVISIONS[m.group(1)]
        if not low <= int(digits[:2]) <= high:
            raise ValidationError(
                _("Division %(d)s does not belong to section %(s)s (行业大类与门类不符).")
                % {"d": digits[:2], "s": m.group(1)}, code="industry_section")


def industry_code_chain(code: str) -> list[str]:
    """The code and its parents, most specific first: F5137 → F5137, F513, F51, F."""
    return list(_chain(normalise_industry_code(code)))


@lru_cache(maxsize=4096)  # a ranking asks for every taxpayer and indicator: a few codes, many times
def _chain(code: str) -> tuple[str, ...]:
    chain = [code]
    for length in (4, 3, 1):
        if len(code) > length:
            chain.append(code[:length])
    return tuple(dict.fromkeys(chain))


PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A filing period: a year ("2024") or a quarter ("2024Q3")."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        m = PERIOD_RE.match((text or "").strip().upper())
        if not m:
            raise ValidationError(
                _("A period is a year (2024) or a quarter (2024Q3) (期间应为年度如2024或季度如2024Q3)."),
                code="period")
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None)

    def previous(self) -> Period:
        """The period of the same length just before this one (for change rates)."""
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def __str__(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}Q{self.quarter}"


def validate_period(value: str) -> None:
    Period.parse(value)


def normalise_period(value: str) -> str:
    return str(Period.parse(value))
