"""The rollout verdict on known samples: pending, pass, and each way to fail."""

import numpy as np

from monitoring.rollout_analysis import VariantSample, judge
from registry.rollout_policy import AnalysisPolicy

POLICY = AnalysisPolicy(min_requests=200, min_duration_seconds=60, max_duration_seconds=600).model_dump()
rng = np.random.default_rng(5)


def sample(scores: np.ndarray, latency_ms: float = 2.0, errors: int = 0) -> VariantSample:
    return VariantSample(scores, np.full(scores.size, latency_ms), errors)


def test_same_distribution_passes_once_old_and_large_enough() -> None:
    production, candidate = sample(rng.beta(1, 9, 2000)), sample(rng.beta(1, 9, 400))
    assert judge(production, candidate, 30, POLICY).result == "pending"
    assert judge(production, sample(rng.beta(1, 9, 100)), 120, POLICY).result == "pending"
    verdict = judge(production, candidate, 120, POLICY)
    assert verdict.result == "pass", verdict.checks
    assert {check.name for check in verdict.checks} == {"error_rate", "p99_latency", "score_psi", "score_ks"}


def test_shifted_scores_errors_latency_and_starvation_each_fail() -> None:
    production = sample(rng.beta(1, 9, 2000))
    shuffled_labels = judge(production, sample(rng.uniform(0.3, 0.7, 400)), 120, POLICY)
    failed = {check.name for check in shuffled_labels.checks if not check.passed}
    assert (shuffled_labels.result, failed) == ("fail", {"score_psi", "score_ks"})
    erroring = judge(production, sample(rng.beta(1, 9, 400), errors=40), 120, POLICY)
    assert [c.name for c in erroring.checks if not c.passed] == ["error_rate"]
    slow = judge(production, sample(rng.beta(1, 9, 400), latency_ms=40.0), 120, POLICY)
    assert [c.name for c in slow.checks if not c.passed] == ["p99_latency"]
    starved = judge(production, sample(rng.beta(1, 9, 10)), 900, POLICY)
    assert (starved.result, starved.checks[0].name) == ("fail", "enough_data")
