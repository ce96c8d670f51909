"""``mlops train --json`` for real, and its typed gate metric."""

import json
from typing import get_args

import pytest
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from core.paths import mlflow_tracking_uri
from mlops.main import app
from training.cli import GateMetric
from training.evaluation import GATE_METRICS
from training.run import TrainingOutcome

runner = CliRunner()


def _flat(text: str) -> str:
    """Click's error box without its frame and line breaks, so a message can be matched whole."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.integration
def test_train_json_is_one_document_with_the_registered_version(trained_model: TrainingOutcome) -> None:
    client = MlflowClient(mlflow_tracking_uri())
    production = client.get_model_version_by_alias("fraud_detector", "production").version
    result = runner.invoke(app, ["train", "--json", "--num-boost-round", "20", "--gate-threshold", "0.5"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # progress went to stderr
    assert "point-in-time join of" in result.stderr
    assert set(report) == {"rows", "holdout_rows", "holdout", "gate", "registered"}
    assert 0 < report["holdout_rows"] < report["rows"] == trained_model.rows
    assert set(report["holdout"]) == {"auc", "precision", "recall", "f1"}
    assert report["gate"] == {"metric": "auc", "threshold": 0.5, "value": report["holdout"]["auc"], "passed": True}
    registered = report["registered"]
    assert registered["name"] == "fraud_detector" and registered["promoted"] is False
    version = client.get_model_version("fraud_detector", registered["version"])
    assert version.run_id == registered["run_id"]
    assert client.get_model_version_by_alias("fraud_detector", "production").version == production  # not moved


def test_gate_metric_choices_are_the_gates_metrics() -> None:
    assert get_args(GateMetric) == GATE_METRICS
    result = runner.invoke(app, ["train", "--gate-metric", "accuracy"])
    assert result.exit_code == 2
    assert (
        "Invalid value for '--gate-metric': Value error, 'accuracy' is not one of 'auc', 'precision', 'recall', 'f1'."
        in _flat(result.stderr)
    )
