"""The rollout verdict: compare what the candidate served with what production served.

Pure logic over per-variant samples (scores, errors, latencies), so it is tested without a
service; reading them from the prediction log and acting on the verdict (promote / abort)
is the caller's job. A verdict is ``pending`` until both variants have the policy's minimum
requests and the rollout its minimum age, ``fail`` as soon as any check fails, ``pass``
when every check passes; a rollout still short of data after ``max_duration_seconds`` fails.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from monitoring.statistics import numeric_statistics


@dataclass(frozen=True)
class VariantSample:
    scores: np.ndarray
    latencies_ms: np.ndarray
    errors: int

    @property
    def requests(self) -> int:
        return int(self.scores.size) + self.errors

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def p99_ms(self) -> float:
        return float(np.percentile(self.latencies_ms, 99)) if self.latencies_ms.size else 0.0


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    result: str
    """pending, pass or fail"""
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"result": self.result, "checks": [check.__dict__ for check in self.checks]}


def judge(
    production: VariantSample,
    candidate: VariantSample,
    age_seconds: float,
    policy: dict[str, Any],
    extra: Sequence[Check] = (),
) -> Verdict:
    """The verdict for a rollout ``age_seconds`` old under ``policy`` (an ``AnalysisPolicy`` dump).

    ``extra`` checks (the labelled-accuracy one) count once the traffic minimums are met.
    """
    enough = min(production.requests, candidate.requests) >= policy["min_requests"]
    if not enough or age_seconds < policy["min_duration_seconds"]:
        if age_seconds >= policy["max_duration_seconds"]:
            detail = f"{candidate.requests} candidate requests after {age_seconds:.0f}s"
            return Verdict("fail", [Check("enough_data", False, detail)])
        return Verdict("pending")
    checks = [
        Check(
            "error_rate",
            candidate.error_rate <= production.error_rate + policy["max_error_rate_increase"],
            f"candidate {candidate.error_rate:.4f} vs production {production.error_rate:.4f}",
        ),
        Check(
            "p99_latency",
            candidate.p99_ms <= production.p99_ms + policy["max_p99_latency_increase_ms"],
            f"candidate {candidate.p99_ms:.2f} ms vs production {production.p99_ms:.2f} ms",
        ),
    ]
    if production.scores.size and candidate.scores.size:
        statistics = numeric_statistics(np.sort(production.scores), np.sort(candidate.scores))
        checks.append(Check("score_psi", statistics.psi <= policy["max_score_psi"], f"PSI {statistics.psi:.4f}"))
        checks.append(
            Check("score_ks", statistics.ks_statistic <= policy["max_score_ks"], f"KS {statistics.ks_statistic:.4f}")
        )
    checks.extend(extra)
    return Verdict("pass" if all(check.passed for check in checks) else "fail", checks)
