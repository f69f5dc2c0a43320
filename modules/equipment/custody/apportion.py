"""Splitting a damage bill between the people responsible (赔偿比例根据责任大小分配).

Pure arithmetic, no database: the services call it and store the result.

Shares are percentages with 2 decimals and must add up to exactly 100.00 %. Amounts are
yuan rounded to the fen, and the amounts must add up to exactly the bill — rounding each
person's amount on its own does not (3 × 33.33/33.33/33.34 % of 0.10 yuan rounds to
0.03 + 0.03 + 0.03 = 0.09; 1/3 each of 100.00 rounds to 33.33 × 3 = 99.99), and the
missing or extra fen would be nobody's or somebody's twice.

The largest-remainder (Hamilton) method fixes that exactly, with integers only:

1. work in fen (total × 100) and in hundredths of a percent (share × 100, adding up to 10 000);
2. each person's exact amount is total_fen × share / 10 000 fen; give everyone the whole
   fen below it (floor) and keep the remainder of the division;
3. the fen left over (total minus the floors; always fewer than the number of people) go
   one each to the people with the largest remainders — they were the closest to the next fen.
   Equal remainders go to the larger share first, then to the earlier line (the order the
   people were entered in), so the same input always gives the same split.

Nobody is ever more than one fen from their exact share, and the amounts add up to the total.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

HUNDRED = Decimal("100.00")
FEN = Decimal("0.01")


class ShareError(ValueError):
    """The shares cannot be used; the message is bilingual and meant for the user."""


def check_shares(shares: Sequence[Decimal]) -> None:
    """Refuse shares that are not 2-decimal percentages above 0 adding up to exactly 100.00."""
    if not shares:
        raise ShareError("至少需要一名责任人 / At least one responsible person is needed.")
    for share in shares:
        if not isinstance(share, Decimal):
            raise ShareError("责任比例必须是数字 / Each share must be a number.")
        if share != share.quantize(FEN):
            raise ShareError(f"责任比例最多两位小数：{share} / A share has at most 2 decimals: {share}.")
        if share <= 0 or share > HUNDRED:
            raise ShareError(f"每人的责任比例应大于 0 且不超过 100%：{share} / "
                             f"Each share must be above 0 and at most 100%: {share}.")
    total = sum(shares, Decimal("0"))
    if total != HUNDRED:
        raise ShareError(f"责任比例合计必须正好是 100%，现在是 {total}% / "
                         f"The shares must add up to exactly 100%; they add up to {total}%.")


def apportion(total: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """The amount each share pays, in the order given, summing exactly to ``total``."""
    check_shares(shares)
    if not isinstance(total, Decimal) or total != total.quantize(FEN) or total < 0:
        raise ShareError("金额应为不小于 0、最多两位小数的元 / "
                         "The amount must be yuan, at least 0, with at most 2 decimals.")
    total_fen = int(total * 100)
    basis = [int(share * 100) for share in shares]  # hundredths of a percent; they add up to 10 000
    floors, remainders = [], []
    for b in basis:
        whole, rest = divmod(total_fen * b, 10_000)
        floors.append(whole)
        remainders.append(rest)
    left_over = total_fen - sum(floors)  # 0 <= left_over < len(shares)
    order = sorted(range(len(shares)), key=lambda i: (-remainders[i], -basis[i], i))
    for i in order[:left_over]:
        floors[i] += 1
    return [(Decimal(f) / 100).quantize(FEN) for f in floors]
