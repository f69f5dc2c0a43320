"""Case selection's ranking over a unit's taxpayer register: the module's batched selector
(a few queries for all filings, previous periods and benchmarks, then arithmetic in memory)
against the plain way (per taxpayer: its filing, its previous filing, its benchmarks).

    .venv/bin/python bench/inspection_ranking.py [--taxpayers 2000] [--repeat 3]

Prints the median seconds of each, per-taxpayer cost and the ratio. Target: a ranking of
2,000 taxpayers in well under 2 s, so the selector's page opens without a wait.
"""
import argparse
import random
from decimal import Decimal

from _setup import drop_database, fresh_database, median, peak_rss_mb, timed

DB = "zt_bench_inspection"
INDUSTRIES = ["F5137", "F5136", "E4701", "H6210", "C1713", "G5430", "I6510", "K7010", "L7211", "M7320"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--taxpayers", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    fresh_database(DB)
    try:
        run(args)
    finally:
        drop_database(DB)


def run(args):
    from django_tenants.utils import schema_context

    from modules.inspection import scoring, selectors, services
    from modules.inspection.models import FinancialFiling, IndustryBenchmark, InspectedEntity
    from modules.inspection.rules import current_rules
    from modules.inspection.validators import industry_code_chain
    from tenants.services import unit_onboard
    from tenants.validators import credit_code_check_char
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set

    unit = unit_onboard(name="稽查基准测试", slug="benchjc", module_keys=["inspection"], actor=None,
                        check_actor=False, send_invite=False).unit
    selector = User.objects.create_user(email="sel@bench.cn", password="Bench-Passw0rd#1", name="选案")
    member_roles_set(unit=unit, user=selector, role_keys=["inspection.selector"], actor=None, enforce_grantor=False)
    rng = random.Random(7)
    with schema_context(unit.schema_name):
        entities = []
        for i in range(args.taxpayers):
            first17 = f"91110105MA{i:07d}"
            entities.append(InspectedEntity(name=f"纳税人{i:05d}",
                                            credit_code=first17 + credit_code_check_char(first17),
                                            industry_code=INDUSTRIES[i % len(INDUSTRIES)], is_key_taxpayer=i % 50 == 0))
        entities = InspectedEntity.objects.bulk_create(entities)
        filings = []
        for e in entities:
            for period in ("2023", "2024"):
                revenue = Decimal(rng.randint(500, 5000) * 1000)
                cost = revenue * Decimal(rng.randint(60, 90)) / 100
                tax = revenue * Decimal(rng.randint(5, 50)) / 1000
                # every indicator computed, as in a real ranking: the tax burden needs the tax
                # payable and the cost-profit ratio the total cost and expense
                filings.append(FinancialFiling(
                    entity=e, period=period, revenue=revenue, cost_of_sales=cost, cost_expense_total=revenue * 19 / 20,
                    tax_payable=tax, taxes_paid=tax, total_profit=revenue / 20,
                    inventory_opening=cost / 8, inventory_closing=cost / Decimal(rng.randint(6, 10)),
                    purchases=cost * Decimal(rng.randint(90, 130)) / 100, receivables_opening=revenue / 10,
                    receivables_closing=revenue / 9, current_assets=revenue / 2, current_liabilities=revenue / 3,
                    cash=revenue / 8))
        FinancialFiling.objects.bulk_create(filings, batch_size=2000)
        for code in INDUSTRIES:
            services.benchmark_compute(actor=selector, industry_code=code, period="2024")

        def batched(_i):
            return selectors.candidate_ranking(period="2024", include_all=True)

        def plain(_i):
            rules = current_rules()
            out = []
            for e in InspectedEntity.objects.all():
                filing = FinancialFiling.objects.filter(entity=e, period="2024").first()
                previous = FinancialFiling.objects.filter(entity=e, period="2023").first()
                bench = {(b.industry_code, b.indicator): b.value for b in IndustryBenchmark.objects.filter(
                    period="2024", industry_code__in=industry_code_chain(e.industry_code))}
                out.append(scoring.score(e, filing, previous, [previous] if previous else [], bench, rules))
            out.sort(key=lambda c: (-c.score, c.entity.name))
            return out

        assert [c.entity.pk for c in batched(0)[:20]] == [c.entity.pk for c in plain(0)[:20]]
        fast = timed(batched, args.repeat)
        slow = timed(plain, args.repeat)
    f, s = median(fast), median(slow)
    n = args.taxpayers
    print(f"taxpayers: {n}, filings: {2 * n}, benchmarks: {len(INDUSTRIES)} industries × 9 indicators")
    print(f"ranking, batched selector : median {f:.3f} s ({f / n * 1e6:.0f} µs per taxpayer; "
          f"runs: {', '.join(f'{x:.3f}' for x in fast)})")
    print(f"ranking, per-taxpayer reads: median {s:.3f} s ({s / n * 1e6:.0f} µs per taxpayer; "
          f"runs: {', '.join(f'{x:.3f}' for x in slow)})")
    print(f"ratio plain/batched       : {s / f:.1f}x   peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
