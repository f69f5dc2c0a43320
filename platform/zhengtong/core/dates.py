"""Dates people type are within a plausible range.

An acquisition date of 0719-08-10 (a slip of the keyboard for 2019) was stored, depreciated
over thirteen centuries and summed into the district's figures. Every date a person types is
refused outside 1900-01-01 .. a few decades ahead; dates of things that have happened
(acquired, purchased, born, paid, received) are refused in the future.

Models list their typed dates in ``date_ranges`` and inherit ``DateRangesMixin``: the check
runs in ``clean_fields`` (so in every ``full_clean``: the services' own, the model forms',
hence on pages, the API and imports alike) and respects ``exclude`` the way Django's field
validators do, so a model form never hears of a field it does not show. A mixin rather than
field validators: field validators are part of the migration state, these rules are not data.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)


@deconstructible
class DateRange:
    """``future=False``: not after today; otherwise at most ``years_ahead`` years ahead."""

    def __init__(self, *, earliest: date = EARLIEST, future: bool = True, years_ahead: int = 30):
        self.earliest = earliest
        self.future = future
        self.years_ahead = years_ahead

    def latest(self) -> date:
        today = timezone.localdate()
        if not self.future:
            return today
        try:
            return today.replace(year=today.year + self.years_ahead)
        except ValueError:  # 29 February
            return today.replace(year=today.year + self.years_ahead, day=28)

    def __call__(self, value: Any) -> None:
        if not isinstance(value, date):
            return
        if value < self.earliest:
            raise ValidationError(
                _("%(value)s is before %(earliest)s: check the year (日期%(value)s早于%(earliest)s，请检查年份)."),
                code="date_too_early", params={"value": value.isoformat(), "earliest": self.earliest.isoformat()})
        latest = self.latest()
        if value > latest and not self.future:
            raise ValidationError(
                _("%(value)s is in the future; give the date it happened (日期%(value)s晚于今天，请填写实际发生日期)."),
                code="date_in_future", params={"value": value.isoformat()})
        if value > latest:
            raise ValidationError(
                _("%(value)s is more than %(years)d years ahead: check the year "
                  "(日期%(value)s超出今后%(years)d年，请检查年份)."),
                code="date_too_late", params={"value": value.isoformat(), "years": self.years_ahead})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateRange) and (self.earliest, self.future, self.years_ahead) == (
            other.earliest, other.future, other.years_ahead)


HAPPENED = DateRange(future=False)  # acquired, purchased, born, paid, received, done
PLANNED = DateRange()  # terms, deadlines, effective dates, validity: may lie ahead


class DateRangesMixin:
    """For models: ``date_ranges = {"acquired_on": HAPPENED, ...}`` checked in clean_fields."""

    date_ranges: dict[str, DateRange] = {}

    def clean_fields(self, exclude=None):
        errors: dict[str, list] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for name, rule in self.date_ranges.items():
            if (exclude and name in exclude) or name in errors:
                continue
            try:
                rule(getattr(self, name))
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
