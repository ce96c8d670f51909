"""The velocity consumer in-process on real Redis and Feast: values, idempotence, metrics."""

import threading

import pytest
import redis
from feast import FeatureStore

from core.redis_client import RedisTarget, sync_client
from core.velocity import FEATURES
from materialization.stream.consumer import VelocityConsumer
from materialization.stream.events import TransactionEvent
from materialization.stream.metrics import StreamMetrics
from materialization.stream.produce import produce
from materialization.stream.settings import StreamSettings
from materialization.stream.source import RedisStreamSource
from materialization.stream.state import WindowState, next_change
from materialization.stream.writer import FeastVelocityWriter
from tests.materialization.stream.conftest import expected, online_rows, recent_events

pytestmark = pytest.mark.integration


def _consume(store: FeatureStore, names: dict[str, str]) -> tuple[VelocityConsumer, StreamMetrics]:
    settings = StreamSettings(
        stream_key=names["MLOPS_STREAM_KEY"],
        stream_group=names["MLOPS_STREAM_GROUP"],
        stream_state_prefix=names["MLOPS_STREAM_STATE_PREFIX"],
        stream_consumer="in-process",
        stream_batch_size=50,
        stream_block_ms=10,
        stream_allowed_lateness_seconds=1e9,  # expiries follow the newest event only: deterministic
    )
    client = sync_client(RedisTarget.parse(settings.resolved_stream_redis()), timeout=5.0)
    metrics = StreamMetrics()
    state = WindowState(client, settings.stream_state_prefix)
    consumer = VelocityConsumer(
        RedisStreamSource(client, settings), state, FeastVelocityWriter(store), settings, metrics
    )
    consumer.run(threading.Event(), exit_when_idle=True)
    return consumer, metrics


def _sample(metrics: StreamMetrics, name: str) -> float:
    value = metrics.registry.get_sample_value(name)
    assert value is not None, name
    return value


def test_online_values_are_the_windows_of_every_event_and_a_replay_counts_nothing_twice(
    stream_store: FeatureStore, stream_names: dict[str, str], redis_client: redis.Redis
) -> None:
    events = recent_events(seed=5, customers=12, count=240)
    produce(redis_client, stream_names["MLOPS_STREAM_KEY"], iter(events), live=False)
    consumer, metrics = _consume(stream_store, stream_names)
    assert consumer.events_applied == 240
    customers = sorted({e.customer_id for e in events})
    first = online_rows(stream_store, redis_client, customers)
    assert set(first) == set(customers)
    velocity = expected(events)
    for customer, (at, values) in first.items():
        assert at >= max(e.timestamp for e in events if e.customer_id == customer) - 1e-3
        assert values == pytest.approx(list(velocity(customer, at + 5e-7))), customer
    assert _sample(metrics, "mlops_stream_events_total") == 240
    assert _sample(metrics, "mlops_stream_consumer_lag_entries") == 0
    assert _sample(metrics, "mlops_stream_last_event_age_seconds") > 0
    assert _sample(metrics, "mlops_stream_event_to_online_seconds_count") == 240

    # a producer retry: the same events again under new stream ids must change nothing
    newest = max(e.timestamp for e in events)
    again = [e for e in events if e.timestamp > newest - 300]
    produce(redis_client, stream_names["MLOPS_STREAM_KEY"], iter(again), live=False)
    _consume(stream_store, stream_names)
    after = online_rows(stream_store, redis_client, customers)
    for customer, (at, values) in after.items():
        assert values == pytest.approx(list(velocity(customer, at + 5e-7))), customer
    pending = redis_client.xpending(stream_names["MLOPS_STREAM_KEY"], stream_names["MLOPS_STREAM_GROUP"])
    assert pending["pending"] == 0


def test_a_late_event_is_counted_in_a_row_after_the_newer_one(
    stream_store: FeatureStore, stream_names: dict[str, str], redis_client: redis.Redis
) -> None:
    customer = 790_001
    on_time = TransactionEvent("a", customer, 10.0, 1_000_000.0)
    late = TransactionEvent("b", customer, 5.0, 999_900.0)
    state = WindowState(redis_client, stream_names["MLOPS_STREAM_STATE_PREFIX"])
    first = state.add([on_time])
    state.commit(first, lower_only=True)
    (row,) = first.rows
    at_its_time, after_the_newest = state.add([late]).rows
    assert (at_its_time.at, at_its_time.values) == (late.timestamp, (1.0, 5.0, 1.0, 5.0))
    assert after_the_newest.at > row.at
    assert after_the_newest.values == (2.0, 15.0, 2.0, 15.0)
    replayed = state.add([late]).rows  # redelivered: same values, nothing counted twice
    assert dict(zip(FEATURES, replayed[-1].values, strict=True))["txn_count_1h"] == 2.0


def test_next_change_is_the_first_window_expiry_after_the_instant() -> None:
    assert next_change([100.0, 200.0], 150.0) == 700.0
    assert next_change([100.0], 700.0) == 3700.0
    assert next_change([100.0], 3700.0) is None
