"""``mlops monitor run`` and ``mlops monitor accuracy`` against a real MLflow model and its profile.

The prediction log is written by the service's own writer (``PredictionLog``), with rows drawn
from the registered version's training profile, so "no drift" and "drift" are known answers.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from core.paths import mlflow_tracking_uri
from inference.prediction_log import PredictionLog
from mlops.main import app
from registry.reference_profile import PROFILE_ROWS, load_reference_profile
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration
runner = CliRunner()


def _write_log(folder: Path, frame: pd.DataFrame) -> None:
    log = PredictionLog(folder, flush_seconds=0.05)
    log.start()
    for record in frame.to_dict("records"):
        log.submit(
            {key: (None if isinstance(value, float) and np.isnan(value) else value) for key, value in record.items()}
        )
    log.stop()


def _log_frame(features: pd.DataFrame, version: str, times: pd.Series, scores: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": times.to_numpy(),
            "request_id": [f"r{i}" for i in range(len(features))],
            "customer_id": np.arange(len(features)) % 500 + 1,
            "model_name": "fraud_detector",
            "model_version": version,
            "score": scores,
        }
    ).join(features.reset_index(drop=True))


@pytest.fixture(scope="module")
def profile(trained_model: TrainingOutcome) -> pd.DataFrame:
    return load_reference_profile(mlflow_tracking_uri(), trained_model.registered.run_id)


def _gauges(path: Path) -> dict[tuple[str, str], float]:
    return {
        (sample.name, sample.labels.get("feature", "")): sample.value
        for family in text_string_to_metric_families(path.read_text())
        for sample in family.samples
    }


def test_profile_is_saved_with_the_registered_version(profile: pd.DataFrame, trained_model: TrainingOutcome) -> None:
    assert list(profile.columns) == list(trained_model_features(trained_model))
    assert 0 < len(profile) <= PROFILE_ROWS
    assert profile["avg_order_value"].isna().any()  # NaN where the join found nothing, as trained


def trained_model_features(trained_model: TrainingOutcome) -> tuple[str, ...]:
    import json

    from mlflow.tracking import MlflowClient

    version = MlflowClient(mlflow_tracking_uri()).get_model_version("fraud_detector", trained_model.registered.version)
    return tuple(json.loads(version.tags["features"]))


@pytest.mark.parametrize("drifted", [False, True])
def test_monitor_run(profile: pd.DataFrame, trained_model: TrainingOutcome, tmp_path: Path, drifted: bool) -> None:
    current = profile.sample(n=4000, replace=True, random_state=3).reset_index(drop=True)
    if drifted:
        current["amount"] = current["amount"] * 3.0
    now = pd.Timestamp(datetime.now(UTC))
    times = pd.Series(pd.date_range(now - timedelta(hours=5), now - timedelta(minutes=1), periods=len(current)))
    frame = _log_frame(current, trained_model.registered.version, times, np.full(len(current), 0.1))
    old = frame.head(500).assign(timestamp=now - timedelta(hours=30), amount=1e9)  # outside the window
    _write_log(tmp_path / "log", pd.concat([frame, old], ignore_index=True))
    textfile = tmp_path / "drift.prom"
    result = runner.invoke(
        app, ["monitor", "run", "--hours", "24", "--log-dir", str(tmp_path / "log"), "--textfile", str(textfile)]
    )
    assert result.exit_code == (1 if drifted else 0), result.output
    assert "4,000 predictions" in result.output
    gauges = _gauges(textfile)
    if drifted:
        assert gauges[("mlops_feature_drift_ks_statistic", "amount")] > 0.3
        assert gauges[("mlops_feature_drift_detected", "amount")] == 1
        assert "ALERT: drift in amount" in result.output
    for feature in ("total_purchases", "avg_order_value", "lifetime_value"):
        assert gauges[("mlops_feature_drift_ks_statistic", feature)] < 0.05
        assert gauges[("mlops_feature_drift_detected", feature)] == 0

    as_json = runner.invoke(app, ["monitor", "run", "--last", "1d", "--log-dir", str(tmp_path / "log"), "--json"])
    assert as_json.exit_code == result.exit_code, as_json.output
    report = json.loads(as_json.stdout)
    assert (report["model_name"], report["model_version"], report["alias"]) == (
        "fraud_detector",
        trained_model.registered.version,
        "production",
    )
    assert (report["predictions"], report["window_seconds"], report["absent_features"]) == (4000, 86400.0, [])
    assert ("amount" in report["alert_features"]) is drifted
    amount = next(column for column in report["columns"] if column["column"] == "amount")
    assert amount["statistics"]["ks_statistic"] == pytest.approx(gauges[("mlops_feature_drift_ks_statistic", "amount")])
    if not drifted:  # the duration and the kept number option read the same window
        two_hours = [
            json.loads(
                runner.invoke(app, ["monitor", "run", *option, "--log-dir", str(tmp_path / "log"), "--json"]).stdout
            )
            for option in (["--last", "2h"], ["--hours", "2"])
        ]
        assert two_hours[0]["predictions"] == two_hours[1]["predictions"] < 4000


def test_monitor_run_without_a_log_is_one_line(tmp_path: Path, trained_model: TrainingOutcome) -> None:
    result = runner.invoke(app, ["monitor", "run", "--log-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.startswith("error: no prediction log at")


def test_monitor_accuracy_by_request_id_and_by_customer_time(trained_model: TrainingOutcome, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    version = trained_model.registered.version
    day = pd.Timestamp(datetime.now(UTC)).floor("D")
    n = 1000
    times = pd.Series(list(pd.date_range(day - timedelta(hours=23), periods=n // 2, freq="1min"))
                      + list(pd.date_range(day + timedelta(minutes=1), periods=n // 2, freq="1min")))  # fmt: skip
    scores = rng.random(n)
    frame = _log_frame(pd.DataFrame(index=range(n)), version, times, scores)
    _write_log(tmp_path / "log", frame)
    # Yesterday the labels follow the score (AUC 1.0); today they are coin flips (AUC ~0.5).
    labels = np.where(np.arange(n) < n // 2, (scores > 0.8).astype(int), rng.integers(0, 2, n))
    by_id = pd.DataFrame({"request_id": frame["request_id"], "is_fraud": labels})
    by_id.to_parquet(tmp_path / "labels.parquet")
    by_time = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "event_timestamp": frame["timestamp"] + timedelta(seconds=2),
            "is_fraud": labels,
        }
    )
    by_time.to_csv(tmp_path / "labels.csv", index=False)
    for path, how in (
        (tmp_path / "labels.parquet", "request_id"),
        (tmp_path / "labels.csv", "customer_id + nearest time"),
    ):
        textfile = tmp_path / f"{path.suffix}.prom"
        args = [
            "monitor",
            "accuracy",
            "--labels",
            str(path),
            "--log-dir",
            str(tmp_path / "log"),
            "--textfile",
            str(textfile),
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert f"1,000 of 1,000 labels joined by {how}" in result.output
        lines = [line for line in result.output.splitlines() if line.startswith(f"{day - timedelta(days=1):%Y-%m-%d}")]
        assert lines and " 1.0000 " in lines[0]  # yesterday: perfect ranking, no drop
        gauges = _gauges(textfile)
        recorded = trained_model.metrics.auc
        assert gauges[("mlops_model_reference_auc", "")] == pytest.approx(recorded)
        assert gauges[("mlops_model_auc", "")] < 0.6
        assert "ALERT: accuracy dropped more than 5%" in result.output

    spans = ["--window", "1d", "--last", "30d", "--tolerance", "1m"]
    files = ["--labels", str(tmp_path / "labels.csv"), "--log-dir", str(tmp_path / "log")]
    as_json = runner.invoke(app, ["monitor", "accuracy", *files, *spans, "--json"])
    assert as_json.exit_code == 1, as_json.output
    report = json.loads(as_json.stdout)
    assert (report["labels"], report["joined"], report["joined_by"]) == (1000, 1000, "customer_id + nearest time")
    assert (report["window_seconds"], report["alert_versions"]) == (86400.0, [version])
    yesterday, today = report["windows"]
    assert yesterday["window_start"].startswith(f"{day - timedelta(days=1):%Y-%m-%d}")
    assert (yesterday["rows"], yesterday["auc"]) == (500, 1.0)
    assert today["reference_auc"] == pytest.approx(trained_model.metrics.auc) and today["auc_drop"] > 0.05


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--last", "15"], "Invalid value for '--last': Value error, invalid duration '15'"),
        (["run", "--last", "1h", "--hours", "1"], "error: give either --last or --hours, not both"),
        (["run", "--alias", "canary"], "'canary' is not one of 'production', 'staging', 'archived'."),
        (["accuracy", "--labels", "x.csv", "--window", "1d", "--window-hours", "24"], "give either --window or"),
        (["accuracy", "--labels", "x.csv", "--tolerance", "60"], "invalid duration '60'"),
    ],
)
def test_bad_durations_and_choices_exit_two_before_reading_anything(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["monitor", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.replace("│", " ").split())
