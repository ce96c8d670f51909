"""A/B by delayed labels: intervals with known answers, and `mlops monitor accuracy --by-variant`
on the prediction log of a real rollout (tests/fixtures/rollout_life.py)."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from mlops.main import app
from monitoring.accuracy_variants import VariantAccuracy, compare, hanley_mcneil_se, wilson
from tests.fixtures.rollout_life import MODEL


def test_wilson_and_hanley_mcneil_match_published_values() -> None:
    share, low, high = wilson(5, 10)
    assert share == 0.5 and low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson(0, 0) == (None, None, None)
    assert hanley_mcneil_se(0.8, 50, 50) == pytest.approx(0.0445, abs=1e-4)


def _accuracy(auc: float, se: float, rows: int) -> VariantAccuracy:
    return VariantAccuracy("x", "1", rows, rows // 5, auc, None, None, se, None, None, None, None, None, None)


def test_a_small_difference_on_few_rows_is_not_significant_and_says_how_many_rows_it_needs() -> None:
    result = compare(_accuracy(0.80, 0.04, 100), _accuracy(0.78, 0.04, 100), min_auc_difference=0.02)
    assert result["difference"] == pytest.approx(-0.02) and not result["significant"]
    # (1.96 + 0.84)^2 * (0.04^2 + 0.04^2) / 0.02^2 * 100 rows = 6,280 rows per variant
    assert result["rows_needed_per_variant"] == pytest.approx(6280, rel=0.01)
    assert compare(_accuracy(0.9, 0.005, 5000), _accuracy(0.8, 0.005, 5000), 0.02)["significant"]


@pytest.mark.integration
def test_by_variant_reports_each_variant_of_a_real_rollout(rollout_life: dict[str, Any], tmp_path: Path) -> None:
    log: pd.DataFrame = rollout_life["log"]
    labels = pd.DataFrame({"request_id": log["request_id"], "is_fraud": (log["customer_id"] % 5 == 0).astype(int)})
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    where = ["--labels", str(tmp_path / "labels.parquet"), "--log-dir", str(rollout_life["log_dir"])]
    result = CliRunner().invoke(app, ["monitor", "accuracy", *where, "--model", MODEL, "--by-variant", "--json"])
    assert result.exit_code in (0, 1), result.stderr  # 1: an accuracy alert on these random labels is fine
    report = json.loads(result.stdout)["by_variant"]
    found = {(v["variant"], v["model_version"]): v for v in report["variants"]}
    assert ("canary", rollout_life["v2"]) in found and ("canary", rollout_life["bad_canary"]) in found
    assert ("production", rollout_life["v1"]) in found
    joined = log.merge(labels, on="request_id")
    for (variant, version), numbers in found.items():
        rows = joined[(joined["variant"] == variant) & (joined["model_version"] == version)]
        assert numbers["rows"] == len(rows)
        assert numbers["auc"] == pytest.approx(roc_auc_score(rows["is_fraud"], rows["score"]))
        assert numbers["auc_low"] < numbers["auc"] < numbers["auc_high"]
    against = {c["model_version"]: c for c in report["comparisons"]}
    assert against[rollout_life["bad_canary"]]["against_version"] == rollout_life["v1"]
    assert np.isfinite(against[rollout_life["bad_canary"]]["p_value"])
