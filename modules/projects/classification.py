"""The project class (篇六 第三条) from the estimated investment, with the unit's bounds.

The essay's bounds are inclusive on the lower class: "小于等于50万元" is 一般 and "大于50万元小于等于
1000万" is 大型, so exactly 500,000.00 is 一般 and exactly 10,000,000.00 is 大型. The bounds are the
module's rules (``general_max``, ``large_max``), changed by the module admin on the rules page.
"""
from __future__ import annotations

from decimal import Decimal

GENERAL = "general"
LARGE = "large"
MAJOR = "major"


def project_class(investment: Decimal, *, general_max: Decimal, large_max: Decimal) -> str:
    if investment <= general_max:
        return GENERAL
    if investment <= large_max:
        return LARGE
    return MAJOR
