"""Online/offline consistency, and the service's reader checked against Feast itself."""

import asyncio
import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore

from inference.online_features import FeatureStatus, OnlineFeatureReader
from tests.pit_oracle import FEATURES
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


def _latest_offline(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Newest snapshot per customer (restatements resolved by created timestamp)."""
    ordered = snapshots.sort_values(["customer_id", "event_timestamp", "created_timestamp"])
    return ordered.drop_duplicates("customer_id", keep="last").set_index("customer_id")


def _read(store: FeatureStore, ids: list[int]) -> list:
    async def run() -> list:
        reader = OnlineFeatureReader.from_store(store, store.get_feature_service("fraud_detector_v1"), timeout=2.0)
        try:
            return await reader.read(ids)
        finally:
            await reader.close()

    return asyncio.run(run())


def test_online_values_equal_the_latest_offline_values_within_the_ttl(
    feature_store: FeatureStore, generated_data: GeneratedData
) -> None:
    latest = _latest_offline(generated_data.customer_stats)
    ttl = feature_store.get_feature_view("customer_stats").ttl
    assert ttl is not None
    fresh_after = pd.Timestamp(datetime.now(UTC) - ttl)
    rng = np.random.default_rng(3)
    sample = sorted(int(i) for i in rng.choice(latest.index.to_numpy(), size=200, replace=False))

    vectors = _read(feature_store, sample)

    checked_fresh = checked_stale = 0
    for customer_id, vector in zip(sample, vectors, strict=True):
        row = latest.loc[customer_id]
        if pd.Timestamp(row["event_timestamp"]) >= fresh_after:
            assert vector.statuses == (FeatureStatus.PRESENT,) * len(FEATURES), customer_id
            assert vector.values == tuple(float(row[name]) for name in FEATURES), customer_id
            checked_fresh += 1
        else:
            assert vector.statuses == (FeatureStatus.STALE,) * len(FEATURES), customer_id
            assert vector.values == (None,) * len(FEATURES)
            checked_stale += 1
    assert checked_fresh > 100 and checked_stale > 0, (checked_fresh, checked_stale)


def test_reader_agrees_with_feast_get_online_features(
    feature_store: FeatureStore, generated_data: GeneratedData
) -> None:
    known = sorted(generated_data.customer_stats["customer_id"].unique().tolist())[:50]
    never_seen = [id_ for id_ in range(1, 1501) if id_ not in set(generated_data.customer_stats["customer_id"])][:5]
    ids = [*known, *never_seen, 10_000_000]
    service = feature_store.get_feature_service("fraud_detector_v1")

    ours = _read(feature_store, ids)
    theirs = feature_store.get_online_features(features=service, entity_rows=[{"customer_id": i} for i in ids])
    frame = theirs.to_df()

    assert never_seen, "the generated data should hold customers without any snapshot"
    for index, vector in enumerate(ours):
        for position, name in enumerate(FEATURES):
            feast_value = frame.loc[index, name]
            if vector.statuses[position] is FeatureStatus.MISSING:
                assert feast_value is None or (isinstance(feast_value, float) and math.isnan(feast_value))
            elif vector.statuses[position] is FeatureStatus.PRESENT:
                assert vector.values[position] == float(feast_value)
            else:  # stale: Feast still returns the value; we must not use it
                assert vector.values[position] is None and feast_value is not None
    assert ours[-1].statuses == (FeatureStatus.MISSING,) * len(FEATURES)
