"""``mlops score batch`` on the local engine against real Feast (DuckDB) and a real MLflow registry."""

import json
from datetime import timedelta
from pathlib import Path

import lightgbm as lgb
import mlflow.lightgbm
import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore

from core.paths import mlflow_tracking_uri
from tests.inference.batch_inputs import score, transactions_with_extras
from tests.pit_oracle import FEATURES, oracle_join
from training.dataset import feature_matrix, historical_features
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

TTL = timedelta(days=2)


def _booster(version: str) -> lgb.Booster:
    mlflow.set_tracking_uri(mlflow_tracking_uri())
    booster = mlflow.lightgbm.load_model(f"models:/fraud_detector/{version}")
    assert isinstance(booster, lgb.Booster)
    return booster


def test_batch_scores_equal_training_scores_and_carry_columns_through(
    tmp_path: Path, feature_store: FeatureStore, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    version = trained_model.registered.version
    frame = transactions_with_extras(generated_data)
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    out = tmp_path / "scored.parquet"
    result = score(
        "--input",
        tmp_path / "in.parquet",
        "--output",
        out,
        "--model-version",
        version,
        "--chunk-rows",
        "2500",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    scored = pd.read_parquet(out)

    service = feature_store.get_feature_service("fraud_detector_v1")
    training_set = historical_features(
        feature_store, frame.loc[:, ["customer_id", "event_timestamp", "amount"]], service
    )
    expected = _booster(version).predict(feature_matrix(training_set))
    assert len(scored) == len(frame) == summary["rows"] > 2500 * 2  # several chunks
    np.testing.assert_allclose(scored["probability"].to_numpy(), expected, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(scored.loc[:, list(frame.columns)], frame)  # unchanged, in order
    assert list(scored.columns[len(frame.columns) :]) == [
        "probability",
        "model_name",
        "model_version",
        *(f"{f}_status" for f in FEATURES),
    ]
    assert set(scored["model_name"]) == {"fraud_detector"} and set(scored["model_version"]) == {version}
    assert summary["model_version"] == version and summary["engine"] == "local"
    counts = summary["statuses"]["avg_order_value"]
    assert counts == scored["avg_order_value_status"].value_counts().to_dict()
    assert counts["present"] > counts.get("stale", 0) > 0 and counts.get("missing", 0) > 0
    assert not (tmp_path / ".scored.parquet.partial").exists()


def test_statuses_follow_the_ttl_rule_against_an_independent_join(
    tmp_path: Path, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    snapshots = generated_data.customer_stats
    labels = generated_data.transactions.loc[:, ["customer_id", "event_timestamp", "amount"]]
    labels.to_parquet(tmp_path / "in.parquet", index=False)
    out = tmp_path / "out.parquet"
    result = score(
        "--input", tmp_path / "in.parquet", "--output", out, "--model-version", trained_model.registered.version
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"scored {len(labels):,} rows in ")
    scored = pd.read_parquet(out)

    within_ttl = oracle_join(labels, snapshots, TTL)["avg_order_value"].notna().to_numpy()
    any_before = oracle_join(labels, snapshots, timedelta(days=10_000))["avg_order_value"].notna().to_numpy()
    expected = np.where(within_ttl, "present", np.where(any_before, "stale", "missing"))
    for feature in FEATURES:
        np.testing.assert_array_equal(scored[f"{feature}_status"].to_numpy(), expected)
    assert {"present", "stale", "missing"} == set(expected)


def test_a_churned_customer_is_present_inside_the_ttl_then_stale_and_before_history_missing(
    tmp_path: Path, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    snapshots = generated_data.customer_stats
    spans = snapshots.groupby("customer_id")["event_timestamp"].agg(["min", "max"])
    customer = int(spans["max"].idxmin())  # stopped earliest: a churned customer
    first, last = spans.loc[customer, "min"], spans.loc[customer, "max"]
    unknown = int(snapshots["customer_id"].max()) + 1000
    rows = pd.DataFrame(
        {
            "customer_id": [customer, customer, customer, unknown],
            "event_timestamp": [
                last + TTL - timedelta(seconds=1),
                last + TTL + timedelta(seconds=1),
                first - timedelta(seconds=1),
                last,
            ],
            "amount": [50.0, 50.0, 50.0, 50.0],
        }
    )
    rows.to_csv(tmp_path / "in.csv", index=False)  # CSV input, ISO timestamps with offsets
    out = tmp_path / "out.parquet"
    result = score("--input", tmp_path / "in.csv", "--output", out, "--model-version", trained_model.registered.version)
    assert result.exit_code == 0, result.output
    scored = pd.read_parquet(out)
    assert list(scored["total_purchases_status"]) == ["present", "stale", "missing", "missing"]
    probabilities = scored["probability"].tolist()
    # A stale value is null for the model, exactly like no history: same inputs, same score.
    assert probabilities[1] == probabilities[2] == probabilities[3] != probabilities[0]
