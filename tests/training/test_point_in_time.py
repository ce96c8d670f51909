"""Point-in-time correctness of training sets, against an independent pandas oracle."""

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore, FileSource

from feature_repo.customer_stats import customer_stats
from feature_repo.entities import customer
from feature_repo.feature_services import fraud_detector_v1
from tests.conftest import write_repo
from tests.pit_oracle import FEATURES, oracle_join
from training.dataset import historical_features
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
TTL = customer_stats.ttl
assert TTL is not None


def _snapshot(customer_id: int, at: datetime, value: float, created: datetime | None = None) -> dict[str, object]:
    return {
        "customer_id": customer_id,
        "event_timestamp": at,
        "created_timestamp": created or at + timedelta(hours=1),
        "total_purchases": int(value),
        "avg_order_value": value,
        "days_since_last_order": int(value) % 7,
        "lifetime_value": value * 10,
    }


ADVERSARIAL_SNAPSHOTS = pd.DataFrame(
    [
        _snapshot(1, T0, 10.0),
        _snapshot(1, T0 + DAY, 11.0),
        _snapshot(1, T0 + 2 * DAY, 12.0),
        # Same event timestamp, created later: the restatement (22) must win over 21.
        _snapshot(2, T0 + DAY, 21.0, created=T0 + DAY + timedelta(hours=1)),
        _snapshot(2, T0 + DAY, 22.0, created=T0 + DAY + timedelta(hours=2)),
    ]
)

# (case, customer_id, event time, expected avg_order_value or None)
ADVERSARIAL_LABELS = [
    ("exactly at a snapshot", 1, T0 + DAY, 11.0),
    ("just before a snapshot", 1, T0 + DAY - timedelta(microseconds=1), 10.0),
    ("inside the TTL after the last snapshot", 1, T0 + 2 * DAY + TTL - timedelta(seconds=1), 12.0),
    ("beyond the TTL", 1, T0 + 2 * DAY + TTL + timedelta(seconds=1), None),
    ("before any history", 1, T0 - timedelta(hours=1), None),
    ("restated snapshot", 2, T0 + DAY + timedelta(hours=3), 22.0),
    ("restated snapshot, same label twice", 2, T0 + DAY + timedelta(hours=3), 22.0),
    ("customer with no rows at all", 3, T0 + DAY, None),
    ("nanosecond timestamp", 1, pd.Timestamp(T0 + DAY) + pd.Timedelta(nanoseconds=1), 11.0),
]


@pytest.fixture(scope="module")
def adversarial_store(tmp_path_factory: pytest.TempPathFactory, redis_server: object) -> FeatureStore:
    """The project's own view and service, re-pointed at the hand-made snapshots."""
    folder: Path = tmp_path_factory.mktemp("pit")
    source_path = folder / "snapshots.parquet"
    ADVERSARIAL_SNAPSHOTS.to_parquet(source_path, index=False)
    view = copy.copy(customer_stats)
    view.batch_source = FileSource(
        name="customer_stats_source",
        path=str(source_path),
        timestamp_field="event_timestamp",
        created_timestamp_column="created_timestamp",
    )
    store = FeatureStore(repo_path=str(write_repo(folder / "repo", "pit_tests")))
    store.apply([customer, view, fraud_detector_v1])
    return store


def test_adversarial_rows_match_the_oracle_and_the_expected_values(adversarial_store: FeatureStore) -> None:
    labels = pd.DataFrame(
        {
            "customer_id": [row[1] for row in ADVERSARIAL_LABELS],
            "event_timestamp": pd.to_datetime([pd.Timestamp(row[2]) for row in ADVERSARIAL_LABELS], utc=True),
            "amount": np.arange(len(ADVERSARIAL_LABELS), dtype=float) + 1.0,
        }
    )
    service = adversarial_store.get_feature_service("fraud_detector_v1")

    result = historical_features(adversarial_store, labels, service).frame
    oracle = oracle_join(labels, ADVERSARIAL_SNAPSHOTS, TTL)

    assert len(result) == len(labels), "every label row must come back"
    assert result["amount"].tolist() == labels["amount"].tolist(), "rows must keep their input order"
    for (case, _, _, expected), got, want in zip(
        ADVERSARIAL_LABELS, result["avg_order_value"], oracle["avg_order_value"], strict=True
    ):
        got_value = None if pd.isna(got) else float(got)
        want_value = None if pd.isna(want) else float(want)
        assert got_value == expected, f"{case}: Feast gave {got_value}, expected {expected}"
        assert want_value == expected, f"{case}: oracle gave {want_value}, expected {expected}"
    pd.testing.assert_frame_equal(
        result.loc[:, list(FEATURES)].astype("float64"),
        oracle.loc[:, list(FEATURES)].astype("float64"),
    )


def test_training_set_on_generated_data_matches_the_oracle(
    feature_store: FeatureStore, generated_data: GeneratedData
) -> None:
    labels = generated_data.transactions.loc[:, ["customer_id", "event_timestamp", "amount", "is_fraud"]]
    service = feature_store.get_feature_service("fraud_detector_v1")

    result = historical_features(feature_store, labels, service).frame
    oracle = oracle_join(labels, generated_data.customer_stats, TTL)

    assert len(result) == len(labels)
    assert result["is_fraud"].tolist() == labels["is_fraud"].tolist()
    pd.testing.assert_frame_equal(
        result.loc[:, list(FEATURES)].astype("float64"),
        oracle.loc[:, list(FEATURES)].astype("float64"),
    )
    # The generated data exercises the awkward cases, so the comparison above covers them.
    missing = result["avg_order_value"].isna()
    assert 0.02 < missing.mean() < 0.5, f"share of rows without features: {missing.mean():.3f}"
