"""The retrain triggers one by one, and the policy's checks, on files and a real MLflow backend."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.entities.model_registry import ModelVersion
from typer.testing import CliRunner

from core.paths import mlflow_tracking_uri
from core.root import REPO_ROOT
from inference.prediction_log import prediction_record
from mlops.main import app
from pipeline import retrain_triggers
from pipeline.retrain_policy import AccuracyTrigger, RetrainPolicy
from training.run import TrainingOutcome

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _transactions(path: Path, newest: str) -> Path:
    stamps = pd.to_datetime(["2026-05-01T00:00:00Z", newest])
    pd.DataFrame(
        {"customer_id": [1, 2], "event_timestamp": stamps, "amount": [1.0, 2.0], "is_fraud": [0, 1]}
    ).to_parquet(path)
    return path


def test_new_data_fires_once_the_labelled_data_runs_far_enough_past_the_training_set(tmp_path: Path) -> None:
    path = _transactions(tmp_path / "t.parquet", "2026-05-20T00:00:00Z")
    week = timedelta(days=7)
    fired = retrain_triggers.new_data(week, transactions=path, trained_until="2026-05-10T00:00:00+00:00")
    quiet = retrain_triggers.new_data(week, transactions=path, trained_until="2026-05-15T00:00:00+00:00")
    unknown = retrain_triggers.new_data(week, transactions=path, trained_until=None)
    assert (fired.fired, quiet.fired, unknown.fired) == (True, False, False)
    assert "10d0h after production's training data" in fired.detail
    assert "training_data_end" in unknown.detail


def test_schedule_fires_past_the_model_age() -> None:
    created = int((NOW - timedelta(days=10)).timestamp() * 1000)
    version = ModelVersion("fraud_detector", "4", created)
    assert retrain_triggers.schedule(timedelta(days=7), production=version, now=NOW).fired
    kept = retrain_triggers.schedule(timedelta(days=30), production=version, now=NOW)
    assert not kept.fired and "production v4 is 10d0h old" in kept.detail


def _log(folder: Path, version: str, labels: np.ndarray, scores: np.ndarray) -> None:
    folder.mkdir()
    rows = [
        prediction_record(
            request_id=f"r{i}",
            customer_id=i,
            model_name="fraud_detector",
            model_version=version,
            probability=float(score),
            features={"amount": 1.0},
            statuses={"amount": "PRESENT"},
            timestamp=datetime.now(UTC) - timedelta(minutes=5),
        )
        for i, score in enumerate(scores)
    ]
    pd.DataFrame(rows).to_parquet(folder / "predictions-1.parquet")
    pd.DataFrame({"request_id": [f"r{i}" for i in range(len(labels))], "is_fraud": labels}).to_parquet(
        folder.parent / "labels.parquet"
    )


@pytest.mark.integration
@pytest.mark.parametrize(("noise", "fires"), [(0.0, False), (1.0, True)])
def test_accuracy_compares_production_auc_on_labels_with_its_recorded_auc(
    trained_model: TrainingOutcome, tmp_path: Path, noise: float, fires: bool
) -> None:
    rng = np.random.default_rng(5)
    labels = (rng.random(600) < 0.2).astype(int)
    informative = np.where(labels == 1, 0.9, 0.1) + rng.normal(0, 0.05, 600)
    scores = (1 - noise) * informative + noise * rng.random(600)  # noise 1: a coin, AUC about 0.5
    log = tmp_path / "log"
    _log(log, trained_model.registered.version, labels, scores)
    policy = AccuracyTrigger(labels=str(tmp_path / "labels.parquet"), min_labels=100)
    trigger = retrain_triggers.accuracy(
        policy,
        log_dir=log,
        tracking_uri=mlflow_tracking_uri(),
        model=trained_model.registered.name,
        production=trained_model.registered.version,
        now=datetime.now(UTC),
    )
    assert trigger.fired is fires, trigger.detail
    assert f"{trained_model.metrics.auc:.4f} recorded" in trigger.detail


def test_accuracy_without_a_labels_file_does_not_fire(tmp_path: Path) -> None:
    policy = AccuracyTrigger(labels=str(tmp_path / "missing.parquet"))
    trigger = retrain_triggers.accuracy(
        policy, log_dir=tmp_path, tracking_uri="sqlite://", model="m", production="1", now=NOW
    )
    assert not trigger.fired and trigger.detail.startswith("not evaluated:")


def test_policy_durations_are_checked_where_they_are_written(tmp_path: Path) -> None:
    assert RetrainPolicy().span("cooldown") == timedelta(hours=6)
    document = json.loads((REPO_ROOT / "pipeline.json").read_text())
    document["retrain"]["cooldown"] = "soon"
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(app, ["pipeline", "validate", "--pipeline", str(path), "--no-resolve"])
    assert result.exit_code != 0
    assert "retrain.cooldown" in result.stdout and "invalid duration 'soon'" in result.stdout
