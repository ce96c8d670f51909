import numpy as np
import pandas as pd
import pytest

from training.evaluation import Gate, Metrics, evaluate, judge
from training.model import TrainingConfig, time_split


def test_metrics_on_a_known_case() -> None:
    labels = np.array([0, 0, 1, 1])
    scores = np.array([0.1, 0.6, 0.4, 0.9])
    metrics = evaluate(labels, scores, threshold=0.5)
    assert metrics.auc == 0.75
    assert metrics.precision == 0.5
    assert metrics.recall == 0.5
    assert metrics.f1 == 0.5


def test_single_class_holdout_is_refused() -> None:
    with pytest.raises(ValueError, match="single class"):
        evaluate(np.array([0, 0]), np.array([0.1, 0.2]))


def test_gate_passes_at_the_threshold_and_fails_below() -> None:
    gate = Gate("auc", 0.85)
    assert judge(Metrics(auc=0.85, precision=0, recall=0, f1=0), gate).passed
    failed = judge(Metrics(auc=0.8499, precision=1, recall=1, f1=1), gate)
    assert not failed.passed
    assert failed.describe() == "gate FAILED: auc = 0.8499 (needs >= 0.85)"


def test_gate_on_another_metric() -> None:
    assert judge(Metrics(auc=0.5, precision=0.9, recall=0.2, f1=0.7), Gate("f1", 0.6)).passed


def test_unknown_gate_metric_is_named() -> None:
    with pytest.raises(ValueError, match="'accuracy'"):
        Gate("accuracy", 0.5)


def test_time_split_holds_out_the_latest_rows() -> None:
    timestamps = pd.Series(pd.date_range("2026-01-01", periods=10, freq="h", tz="UTC")).sample(frac=1, random_state=1)
    train, holdout = time_split(timestamps, 0.3)
    assert holdout.sum() == 3
    assert timestamps[train].max() < timestamps[holdout].min()


def test_holdout_share_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="holdout share"):
        TrainingConfig(holdout_share=1.0)
