"""Per-variant samples from prediction-log rows: which rows count for whom, and what is an error."""

import math
from datetime import UTC, datetime

import pandas as pd

from monitoring.rollout_samples import variant_samples


def _row(version: str, variant: str, score: float, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {"timestamp": datetime.now(UTC), "model_version": version, "variant": variant}
    return base | {"score": score, "score_ms": 0.1, "canary_error": None} | extra


def test_canary_rows_errors_and_other_versions_are_told_apart() -> None:
    frame = pd.DataFrame(
        [
            _row("1", "production", 0.1),
            _row("1", "production", 0.2),
            _row("1", "production", 0.3, canary_error="ValueError: boom"),  # assigned to the canary, answered by 1
            _row("2", "canary", 0.9),
            _row("3", "canary", 0.5),  # an older canary: not this rollout's candidate
            _row("7", "production", 0.4),  # another production version
            _row("7", "production", 0.5, canary_error="ValueError: boom"),  # another rollout's canary failed
        ]
    )
    production, canary = variant_samples(frame, "canary", "1", "2")
    assert sorted(production.scores.tolist()) == [0.1, 0.2]
    assert (canary.scores.tolist(), canary.errors, canary.requests) == ([0.9], 1, 2)


def test_shadow_errors_exclude_records_that_skipped_a_full_queue() -> None:
    shadow = {"shadow_version": "2", "shadow_score": math.nan}
    frame = pd.DataFrame(
        [
            _row("1", "production", 0.1, shadow_version="2", shadow_score=0.15, shadow_error=None),
            _row("1", "production", 0.2, **shadow, shadow_error="ValueError: outside"),
            _row("1", "production", 0.3, **shadow, shadow_error="dropped"),
        ]
    )
    production, candidate = variant_samples(frame, "shadow", "1", "2")
    assert production.scores.tolist() == [0.1, 0.2, 0.3]
    assert (candidate.scores.tolist(), candidate.errors) == ([0.15], 1)
