"""Pins the Redis layout our readers assume against what ``feast materialize`` actually wrote."""

import pytest
from feast import FeatureStore

from core.feast_adapter import (
    decode_number,
    decode_timestamp,
    entity_key,
    feature_field,
    stored_view_name,
    timestamp_field,
)
from stack.redis_server import LocalRedis
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


def test_keys_and_fields_are_the_ones_feast_materialize_wrote(
    feature_store: FeatureStore, redis_server: LocalRedis, generated_data: GeneratedData
) -> None:
    config = feature_store.config
    view = feature_store.get_feature_view("customer_stats")
    stored = stored_view_name(view, config)
    snapshots = generated_data.customer_stats.sort_values(["event_timestamp", "created_timestamp"])
    latest = snapshots.groupby("customer_id").tail(1)  # a restatement's correction is created last
    row = latest[latest["event_timestamp"] == latest["event_timestamp"].max()].iloc[0]
    customer_id = int(row["customer_id"])

    key = entity_key("customer_id", customer_id, config.project.encode(), config.entity_key_serialization_version)
    written = redis_server.endpoint.client().hgetall(key)

    features = [feature.name for feature in view.features]
    assert set(written) == {*(feature_field(stored, name) for name in features), timestamp_field(stored)}
    assert decode_timestamp(written[timestamp_field(stored)]) == row["event_timestamp"].timestamp()
    for name in features:
        assert decode_number(written[feature_field(stored, name)]) == pytest.approx(float(row[name]))

    feast_read = feature_store.get_online_features(
        features=[f"customer_stats:{name}" for name in features], entity_rows=[{"customer_id": customer_id}]
    ).to_dict()
    assert [feast_read[name][0] for name in features] == pytest.approx([float(row[name]) for name in features])


def test_an_id_outside_int64_is_refused_by_the_key_encoder() -> None:
    with pytest.raises(ValueError):
        entity_key("customer_id", 2**63, b"project", 3)
