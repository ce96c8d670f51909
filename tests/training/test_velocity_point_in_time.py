"""Training through ``fraud_detector_v2``: the point-in-time velocity values are the stream's windows."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore

from core.velocity import FEATURES, window_values
from stack.redis_server import LocalRedis
from tests.conftest import SESSION_DIR, write_repo
from training.dataset import historical_features
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def v2_store(redis_server: LocalRedis, generated_data: GeneratedData) -> FeatureStore:
    from feature_repo.customer_stats import customer_stats
    from feature_repo.customer_txn_velocity import customer_txn_velocity, customer_txn_velocity_push
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v2

    store = FeatureStore(repo_path=str(write_repo(SESSION_DIR / "training-v2", "fraud_v2")))
    store.apply([customer, customer_stats, customer_txn_velocity_push, customer_txn_velocity, fraud_detector_v2])  # type: ignore[arg-type]
    return store


def test_v2_training_set_carries_the_velocity_windows_at_each_transaction(
    v2_store: FeatureStore, generated_data: GeneratedData
) -> None:
    transactions = generated_data.transactions
    # a sample with history: customers with bursts of several transactions within the hour
    busy = transactions.groupby("customer_id").filter(lambda g: g["event_timestamp"].diff().min() < pd.Timedelta("1h"))
    sample = pd.concat([busy.head(100), transactions.sample(100, random_state=3)]).drop_duplicates()
    training = historical_features(v2_store, sample, v2_store.get_feature_service("fraud_detector_v2"))
    assert set(FEATURES) <= set(training.store_features)

    epoch = pd.Timestamp(0, tz="UTC")
    seconds = {
        c: ((g["event_timestamp"].sort_values() - epoch) / pd.Timedelta(seconds=1)).to_numpy()
        for c, g in transactions.groupby("customer_id")
    }
    amounts = {c: g.sort_values("event_timestamp")["amount"].to_numpy() for c, g in transactions.groupby("customer_id")}
    several = 0
    for row in training.frame.itertuples(index=False):
        at = (pd.Timestamp(row.event_timestamp) - epoch) / pd.Timedelta(seconds=1)
        want = window_values(seconds[row.customer_id], amounts[row.customer_id], at + 5e-7)
        got = [getattr(row, name) for name in FEATURES]
        assert got == pytest.approx(list(want)), dataclasses.asdict(row) if dataclasses.is_dataclass(row) else row
        several += want[2] > 1
    assert several > 0, "the sample must hold customers with more than one transaction in an hour"
    assert not np.isnan(training.frame[list(FEATURES)].to_numpy(dtype=float)).any()
