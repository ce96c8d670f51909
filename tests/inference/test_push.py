"""``POST /push`` against a real ``feast serve`` /push: same bytes in Redis, bad rows refused."""

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from feast import FeatureStore

from core.feast_adapter import entity_key
from core.paths import ProjectPaths
from core.velocity import PUSH_SOURCE
from stack.feast_repo import write_repo
from stack.redis_server import LocalRedis, RedisEndpoint
from tests.conftest import free_port
from tests.service_process import running_service, stop, wait_for
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration
PROJECT = "fraud_push"


@pytest.fixture(scope="module")
def push_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRedis]:
    server = LocalRedis(RedisEndpoint("127.0.0.1", free_port()), tmp_path_factory.mktemp("push-redis"))
    assert server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def push_repo(push_redis: LocalRedis, tmp_path_factory: pytest.TempPathFactory, trained_model: TrainingOutcome) -> Path:
    """A registry of its own holding every shipped definition (the velocity view and its push source too)."""
    from feature_repo.customer_stats import customer_stats
    from feature_repo.customer_txn_velocity import customer_txn_velocity, customer_txn_velocity_push
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1

    repo = write_repo(
        tmp_path_factory.mktemp("push-repo"), PROJECT, connection_string=f"127.0.0.1:{push_redis.endpoint.port}"
    )
    objects = [customer, customer_stats, customer_txn_velocity_push, customer_txn_velocity, fraud_detector_v1]
    FeatureStore(repo_path=str(repo)).apply(objects)  # type: ignore[arg-type]
    return repo


@pytest.fixture(scope="module")
def ours(push_repo: Path, push_redis: LocalRedis) -> Iterator[str]:
    env = {"MLOPS_FEAST_REPO": str(push_repo), "REDIS_CONNECTION_STRING": f"127.0.0.1:{push_redis.endpoint.port}"}
    with running_service(free_port(), env=env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def feast_serve(push_repo: Path) -> Iterator[str]:
    port = free_port()
    argv = [str(Path(sys.executable).parent / "feast"), "-c", str(push_repo), "serve", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([*argv, "--host", "127.0.0.1", "--no-access-log"], stdout=log, stderr=log)
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, log, timeout=120.0)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process, timeout=10.0)


def _rows(ids: list[int], at: datetime) -> dict[str, list[Any]]:
    return {
        "customer_id": ids,
        "event_timestamp": [(at - timedelta(seconds=i)).isoformat() for i in range(len(ids))],
        "txn_count_10m": [i % 4 for i in range(len(ids))],
        "txn_amount_10m": [round(12.5 * i, 2) for i in range(len(ids))],
        "txn_count_1h": [i % 4 + 3 for i in range(len(ids))],
        "txn_amount_1h": [round(12.5 * i + 99.99, 2) for i in range(len(ids))],
    }


def _stored(redis: LocalRedis, ids: list[int]) -> list[dict[bytes, bytes]]:
    client = redis.endpoint.client()
    return [client.hgetall(entity_key("customer_id", i, PROJECT.encode(), 3)) for i in ids]  # type: ignore[misc]


def _clear(redis: LocalRedis, ids: list[int]) -> None:
    redis.endpoint.client().delete(*(entity_key("customer_id", i, PROJECT.encode(), 3) for i in ids))


def test_online_push_writes_the_bytes_feast_serve_writes(ours: str, feast_serve: str, push_redis: LocalRedis) -> None:
    ids = list(range(900_001, 900_021))
    body = {"push_source_name": PUSH_SOURCE, "df": _rows(ids, datetime.now(UTC).replace(microsecond=0)), "to": "online"}
    theirs = httpx.post(f"{feast_serve}/push", json=body, timeout=60)
    assert theirs.status_code == 200, theirs.text
    feast_bytes = _stored(push_redis, ids)
    assert all(len(fields) == 5 for fields in feast_bytes)  # four features and the _ts field
    _clear(push_redis, ids)

    mine = httpx.post(f"{ours}/push", json=body, timeout=60)
    assert mine.status_code == 200, mine.text
    assert _stored(push_redis, ids) == feast_bytes

    read = {"features": ["customer_txn_velocity:txn_amount_1h"], "entities": {"customer_id": ids[:3]}}
    looked_up = httpx.post(f"{ours}/get-online-features", json=read, timeout=30).json()
    assert looked_up["results"][1]["values"] == [99.99, 112.49, 124.99]


@pytest.mark.parametrize("to", ["online", "online_and_offline"])
def test_allow_registry_cache_false_reads_the_registry_and_writes_the_same_row(
    ours: str, push_redis: LocalRedis, to: str
) -> None:
    """Feast's flag is honoured both ways: the uncached path (a registry re-read) writes what the cached one does."""
    ids = [900_401 if to == "online" else 900_402]
    at = datetime.now(UTC).replace(microsecond=0)
    cached = {"push_source_name": PUSH_SOURCE, "df": _rows(ids, at), "to": to}
    assert httpx.post(f"{ours}/push", json=cached, timeout=60).status_code == 200
    written = _stored(push_redis, ids)
    _clear(push_redis, ids)
    response = httpx.post(f"{ours}/push", json={**cached, "allow_registry_cache": False}, timeout=60)
    assert response.status_code == 200, response.text
    assert _stored(push_redis, ids) == written
    assert len(written[0]) == 5


def test_offline_push_appends_the_rows_to_the_history(ours: str) -> None:
    history = ProjectPaths.from_env().customer_txn_velocity
    before = len(pd.read_parquet(history))
    ids = [900_101, 900_102]
    body = {"push_source_name": PUSH_SOURCE, "df": _rows(ids, datetime.now(UTC)), "to": "offline"}
    response = httpx.post(f"{ours}/push", json=body, timeout=60)
    assert response.status_code == 200, response.text
    after = pd.read_parquet(history)
    assert len(after) == before + 2
    assert sorted(after[after["customer_id"].isin(ids)]["txn_amount_1h"]) == [99.99, 112.49]


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("txn_count_10m", "three"),
        ("txn_count_10m", 1.5),
        ("txn_count_10m", True),
        ("txn_amount_1h", None),
        ("customer_id", 2**63),
        ("event_timestamp", "yesterday"),
    ],
)
def test_a_bad_row_is_422_naming_the_column_and_nothing_is_written(
    ours: str, push_redis: LocalRedis, column: str, bad: object
) -> None:
    ids = [900_201, 900_202, 900_203]
    df = _rows(ids, datetime.now(UTC))
    df[column] = [*df[column][:2], bad]
    response = httpx.post(f"{ours}/push", json={"push_source_name": PUSH_SOURCE, "df": df}, timeout=30)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "df", column]]  # pydantic's shape
    assert _stored(push_redis, ids[:2]) == [{}, {}]


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"push_source_name": "nope", "df": {"customer_id": [1]}}, 404, "nope"),
        ({"push_source_name": PUSH_SOURCE, "df": {"customer_id": [1]}}, 422, "event_timestamp"),
        ({"push_source_name": PUSH_SOURCE, "df": {**_rows([1], datetime.now(UTC)), "extra": [1]}}, 422, "extra"),
        ({"push_source_name": PUSH_SOURCE, "df": _rows([1], datetime.now(UTC)), "to": "disk"}, 422, "to"),
    ],
)
def test_unknown_sources_columns_and_modes_are_refused(
    ours: str, body: dict[str, Any], status: int, named: str
) -> None:
    response = httpx.post(f"{ours}/push", json=body, timeout=30)
    assert response.status_code == status, response.text
    assert named in response.text
    if status == 422:  # the documented 422 shape: a list of loc/msg/type
        assert all({"loc", "msg", "type"} <= set(error) for error in response.json()["detail"])


def test_redis_down_is_503_and_recovers(ours: str, push_redis: LocalRedis) -> None:
    body = {"push_source_name": PUSH_SOURCE, "df": _rows([900_301], datetime.now(UTC))}
    assert push_redis.stop()
    try:
        down = httpx.post(f"{ours}/push", json=body, timeout=60)
        assert down.status_code == 503, down.text
        assert "Traceback" not in down.text
    finally:
        assert push_redis.start()
    assert httpx.post(f"{ours}/push", json=body, timeout=60).status_code == 200
    assert len(_stored(push_redis, [900_301])[0]) == 5
