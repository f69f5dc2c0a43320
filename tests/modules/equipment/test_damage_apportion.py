"""Damage bills split by responsibility share: shares add up to exactly 100 %, amounts are
rounded to the fen and add up to exactly the bill (largest-remainder method)."""
import random
from decimal import Decimal as D

import pytest

from modules.equipment.custody.apportion import ShareError, apportion


def test_three_people_with_thirds_of_a_hundred_yuan_pay_exactly_a_hundred():
    amounts = apportion(D("100.00"), [D("33.33"), D("33.33"), D("33.34")])
    assert amounts == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(amounts) == D("100.00")


def test_thirds_of_ten_fen_give_the_extra_fen_to_the_largest_share():
    # exact: 3.333, 3.333, 3.334 fen -> floors 3, 3, 3 -> one fen left for the largest remainder
    amounts = apportion(D("0.10"), [D("33.33"), D("33.33"), D("33.34")])
    assert amounts == [D("0.03"), D("0.03"), D("0.04")]
    assert sum(amounts) == D("0.10")


def test_equal_remainders_go_to_the_earlier_line():
    # 0.01 yuan split 50/50: one fen, and the first person entered pays it
    assert apportion(D("0.01"), [D("50.00"), D("50.00")]) == [D("0.01"), D("0.00")]
    # seven people with equal shares of 1.00 yuan: 14.2857... fen each; 2 fen left over
    shares = [D("14.29")] * 6 + [D("14.26")]
    amounts = apportion(D("1.00"), shares)
    assert sum(amounts) == D("1.00")
    assert all(abs(a - D("1.00") * s / 100) < D("0.01") for a, s in zip(amounts, shares, strict=True))


def test_rounding_each_amount_alone_would_lose_a_fen_and_this_does_not():
    total, shares = D("0.10"), [D("33.33"), D("33.33"), D("33.34")]
    naive = [(total * s / 100).quantize(D("0.01")) for s in shares]
    assert sum(naive) == D("0.09")  # one fen would be nobody's: what the method is for
    assert sum(apportion(total, shares)) == total


@pytest.mark.parametrize("shares, message", [
    ([D("50.00"), D("49.99")], "合计必须正好是 100%"),
    ([D("60.00"), D("40.01")], "add up to exactly 100%"),
    ([D("33.333"), D("66.667")], "两位小数"),
    ([D("100.00"), D("0.00")], "大于 0"),
    ([], "至少需要一名责任人"),
])
def test_shares_that_do_not_add_up_to_exactly_100_are_refused(shares, message):
    with pytest.raises(ShareError, match=message):
        apportion(D("10.00"), shares)


def test_a_negative_or_sub_fen_amount_is_refused():
    for total in (D("-1.00"), D("1.005")):
        with pytest.raises(ShareError):
            apportion(total, [D("100.00")])


def _random_shares(rng: random.Random, n: int) -> list[D]:
    # n positive shares in hundredths of a percent adding up to 10 000
    cuts = sorted(rng.sample(range(1, 10_000), n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    return [D(p) / 100 for p in parts]


def test_many_random_splits_sum_exactly_and_stay_within_a_fen_of_the_exact_share():
    rng = random.Random(20261127)
    for _ in range(3000):
        n = rng.randint(1, 12)
        shares = _random_shares(rng, n)
        total = D(rng.choice([rng.randint(0, 20), rng.randint(0, 10_000), rng.randint(0, 5_000_000)])) / 100
        amounts = apportion(total, shares)
        assert sum(amounts) == total
        assert all(a >= 0 and a == a.quantize(D("0.01")) for a in amounts)
        for amount, share in zip(amounts, shares, strict=True):
            exact = total * share / 100
            assert abs(amount - exact) < D("0.01"), (total, shares, amounts)
        # deterministic: the same input gives the same split
        assert apportion(total, shares) == amounts


def test_a_larger_share_never_pays_less_than_a_smaller_one():
    rng = random.Random(7)
    for _ in range(2000):
        shares = _random_shares(rng, rng.randint(2, 8))
        total = D(rng.randint(0, 100_000)) / 100
        amounts = apportion(total, shares)
        for i in range(len(shares)):
            for j in range(len(shares)):
                if shares[i] > shares[j]:
                    assert amounts[i] >= amounts[j]
