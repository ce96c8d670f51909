"""The rollout's AUC check on delayed labels: material and significant drops fail, noise does not."""

import numpy as np
import pandas as pd
import pytest

from monitoring.rollout_accuracy import accuracy_check
from registry.rollout_policy import AnalysisPolicy

POLICY = AnalysisPolicy(max_auc_drop=0.02, significance=0.05).model_dump()


def _served(
    rows: int, candidate_noise: float, *, mode: str = "canary", seed: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``rows`` requests, 30% answered by the canary (or all mirrored to a shadow); labels by request id."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.3).astype(int)
    good = np.clip(np.where(labels == 1, 0.7, 0.3) + rng.normal(0, 0.2, rows), 0, 1)
    worse = (1 - candidate_noise) * good + candidate_noise * rng.random(rows)
    ids = [f"r{i}" for i in range(rows)]
    if mode == "canary":
        in_canary = rng.random(rows) < 0.3
        served = pd.DataFrame(
            {
                "request_id": ids,
                "model_version": np.where(in_canary, "2", "1"),
                "variant": np.where(in_canary, "canary", "production"),
                "score": np.where(in_canary, worse, good),
            }
        )
    else:
        served = pd.DataFrame({"request_id": ids, "model_version": "1", "variant": "production", "score": good}).assign(
            shadow_version="2", shadow_score=worse
        )
    return served, pd.DataFrame({"request_id": ids, "is_fraud": labels})


def _check(served: pd.DataFrame, labels: pd.DataFrame, mode: str = "canary") -> tuple[bool, str]:
    check = accuracy_check(served, labels, mode=mode, production="1", candidate="2", policy=POLICY)
    assert check.name == "auc"
    return check.passed, check.detail


@pytest.mark.parametrize("mode", ["canary", "shadow"])
def test_a_candidate_as_good_as_production_passes(mode: str) -> None:
    passed, detail = _check(*_served(3000, 0.0, mode=mode), mode)
    assert passed, detail


@pytest.mark.parametrize("mode", ["canary", "shadow"])
def test_a_much_worse_candidate_fails_with_its_auc_in_the_detail(mode: str) -> None:
    passed, detail = _check(*_served(3000, 0.9, mode=mode), mode)
    assert not passed, detail
    assert "candidate AUC 0.5" in detail or "candidate AUC 0.6" in detail


def test_a_drop_on_too_few_labels_is_not_significant() -> None:
    passed, detail = _check(*_served(60, 0.5, seed=8))
    assert passed, detail
    assert "per variant to detect" in detail


def test_no_labelled_canary_row_is_undetermined() -> None:
    served, labels = _served(400, 0.0)
    passed, detail = _check(
        served, labels[~labels["request_id"].isin(served.loc[served["variant"] == "canary", "request_id"])]
    )
    assert passed and detail.startswith("undetermined")
