"""A Feast project of its own holding the velocity view, in the session's real Redis."""

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import redis
from feast import FeatureStore

from core.feast_adapter import decode_number, decode_timestamp, entity_key, feature_field, timestamp_field
from core.velocity import FEATURES, VIEW, window_values
from materialization.stream.events import TransactionEvent
from materialization.stream.produce import synthetic_events
from stack.redis_server import LocalRedis
from tests.conftest import SESSION_DIR, write_repo

PROJECT = "fraud_stream"
ID_OFFSET = 700_000
"""Customer ids of these tests, far from the generated ones (the history file is shared)."""


@pytest.fixture(scope="session")
def stream_store(redis_server: LocalRedis) -> FeatureStore:
    from feature_repo.customer_txn_velocity import customer_txn_velocity, customer_txn_velocity_push
    from feature_repo.entities import customer

    store = FeatureStore(repo_path=str(write_repo(SESSION_DIR / "stream" / PROJECT, PROJECT)))
    store.apply([customer, customer_txn_velocity_push, customer_txn_velocity])  # type: ignore[arg-type]
    return store


@pytest.fixture
def stream_names(request: pytest.FixtureRequest, redis_client: redis.Redis) -> Iterator[dict[str, str]]:
    """Stream, group and state keys of one test, removed afterwards."""
    tag = request.node.name.replace("[", "_").replace("]", "")
    names = {
        "MLOPS_STREAM_KEY": f"test:{tag}:events",
        "MLOPS_STREAM_GROUP": "velocity",
        "MLOPS_STREAM_STATE_PREFIX": f"test:{tag}:state",
    }
    yield names
    for key in redis_client.scan_iter(match=f"test:{tag}:*"):
        redis_client.delete(key)


def recent_events(seed: int, customers: int, count: int, offset: int = ID_OFFSET) -> list[TransactionEvent]:
    """Events of the last ~``count / 2`` seconds, ids shifted to ``offset``."""
    start = time.time() - count / 2 - 60
    events = synthetic_events(seed, customers, count, start, rate=2.0)
    return [dataclasses.replace(e, customer_id=e.customer_id + offset) for e in events]


def online_rows(store: FeatureStore, client: redis.Redis, customers: list[int]) -> dict[int, tuple[float, list[Any]]]:
    """(event time, feature values) of each customer's velocity row, straight from Feast's Redis layout."""
    fields = [feature_field(VIEW, name) for name in FEATURES] + [timestamp_field(VIEW)]
    rows: dict[int, tuple[float, list[Any]]] = {}
    for customer in customers:
        raw = client.hmget(entity_key("customer_id", customer, PROJECT.encode(), 3), fields)  # type: ignore[arg-type]
        if raw[-1] is not None:
            rows[customer] = (decode_timestamp(raw[-1]), [decode_number(v) if v else None for v in raw[:-1]])
    return rows


def expected(events: list[TransactionEvent]) -> Callable[[int, float], tuple[float, ...]]:
    """The velocity of a customer at an instant, from the full list of events."""
    frame = pd.DataFrame([dataclasses.asdict(e) for e in events]).sort_values("timestamp")
    grouped = {c: g for c, g in frame.groupby("customer_id")}

    def at(customer: int, instant: float) -> tuple[float, ...]:
        group = grouped[customer]
        return window_values(group["timestamp"].to_numpy(), group["amount"].to_numpy(), instant)

    return at


def history_rows(path: Path, customers: set[int]) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    return frame[frame["customer_id"].isin(customers)].drop_duplicates()
