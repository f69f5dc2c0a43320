"""The unit's inspection rules, read once per operation as a typed object."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhengtong.registry.rules import rules_for

from .indicators import INDICATORS


@dataclass(frozen=True)
class InspectionRules:
    weights: dict[str, Decimal]
    thresholds: dict[str, Decimal]  # fractions: 0.30 = 30 % away from the benchmark
    key_taxpayer_points: Decimal
    abnormal_filing_points: Decimal
    loss_periods: int
    candidate_min_score: Decimal
    benchmark_min_sample: int
    min_inspectors: int
    one_stage_per_person: bool
    assign_days: int
    inspection_days: int
    review_days: int
    payment_days: int
    execution_days: int

    def as_json(self) -> dict:
        """What a score snapshot records about the rules it was computed with."""
        return {
            "weights": {k: str(v) for k, v in self.weights.items()},
            "thresholds": {k: str(v) for k, v in self.thresholds.items()},
            "key_taxpayer_points": str(self.key_taxpayer_points),
            "abnormal_filing_points": str(self.abnormal_filing_points),
            "loss_periods": self.loss_periods,
        }


def current_rules() -> InspectionRules:
    """The rules of the unit whose schema is active."""
    from .manifest import MANIFEST

    r = rules_for(MANIFEST)
    return InspectionRules(
        weights={i.key: Decimal(r[f"weight_{i.key}"]) for i in INDICATORS},
        thresholds={i.key: Decimal(r[f"threshold_{i.key}"]) / 100 for i in INDICATORS},
        key_taxpayer_points=Decimal(r["key_taxpayer_points"]),
        abnormal_filing_points=Decimal(r["abnormal_filing_points"]),
        loss_periods=int(r["loss_periods"]),
        candidate_min_score=Decimal(r["candidate_min_score"]),
        benchmark_min_sample=int(r["benchmark_min_sample"]),
        # The floor of 2 is the platform's, whatever is stored.
        min_inspectors=max(2, int(r["min_inspectors"])),
        one_stage_per_person=bool(r["one_stage_per_person"]),
        assign_days=int(r["assign_days"]),
        inspection_days=int(r["inspection_days"]),
        review_days=int(r["review_days"]),
        payment_days=int(r["payment_days"]),
        execution_days=int(r["execution_days"]),
    )
