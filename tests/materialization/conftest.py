"""Feast projects of our own in the session's real Redis, so runs here never touch other tests' keys."""

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import redis
from feast import FeatureStore

from stack.redis_server import LocalRedis
from tests.conftest import SESSION_DIR, write_repo
from upstream.generate import GeneratedData

MLOPS = [sys.executable, "-m", "mlops"]

ProjectFactory = Callable[[str], FeatureStore]


@pytest.fixture(scope="session")
def redis_client(redis_server: LocalRedis) -> redis.Redis:
    return redis_server.endpoint.client(timeout=5.0)  # type: ignore[return-value]  # a single node


@pytest.fixture(scope="session")
def make_project(redis_server: LocalRedis, generated_data: GeneratedData) -> ProjectFactory:
    """A freshly applied Feast project named ``name`` (fresh registry, nothing materialized)."""
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1

    def make(name: str) -> FeatureStore:
        store = FeatureStore(repo_path=str(write_repo(SESSION_DIR / "materialization" / name, name)))
        store.apply([customer, customer_stats, fraud_detector_v1])
        return store

    return make


def online_rows(client: redis.Redis, project: str) -> dict[bytes, dict[bytes, bytes]]:
    """Every online hash of ``project``, keyed by entity key (the project suffix removed)."""
    suffix = project.encode()
    rows = {}
    for key in client.scan_iter(match=b"*" + suffix, count=1000):
        rows[key[: -len(suffix)]] = client.hgetall(key)
    return rows


def mlops_env(store: FeatureStore, db: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MLOPS_FEAST_REPO": str(store.repo_path),
        "MLOPS_MATERIALIZATION_DB": str(db),
        **extra,
    }


def run_mlops(args: list[str], env: dict[str, str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MLOPS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def snapshot_view_project(name: str, source_file: Path, sla: str = "1h") -> FeatureStore:
    """A project whose one view reads ``source_file``, so a test controls exactly what upstream holds."""
    from datetime import timedelta

    from feast import FeatureView, Field, FileSource
    from feast.types import Float64, Int64

    from feature_repo.entities import customer

    source = FileSource(
        name=f"{name}_source",
        path=str(source_file),
        timestamp_field="event_timestamp",
        created_timestamp_column="created_timestamp",
    )
    view = FeatureView(
        name="stats",
        entities=[customer],
        ttl=timedelta(days=2),
        schema=[
            Field(name="customer_id", dtype=Int64),
            Field(name="total_purchases", dtype=Int64),
            Field(name="avg_order_value", dtype=Float64),
            Field(name="days_since_last_order", dtype=Int64),
            Field(name="lifetime_value", dtype=Float64),
        ],
        online=True,
        source=source,
        tags={"owner": "tests", "freshness_sla": sla},
    )
    store = FeatureStore(repo_path=str(write_repo(SESSION_DIR / "materialization" / name, name)))
    store.apply([customer, view])
    return store


def write_snapshots(path: Path, customers: int, at: datetime) -> None:
    import pandas as pd

    stamp = pd.Timestamp(at)
    pd.DataFrame(
        {
            "customer_id": list(range(1, customers + 1)),
            "event_timestamp": stamp,
            "created_timestamp": stamp,
            "total_purchases": [10 + i for i in range(customers)],
            "avg_order_value": [50.0 + i for i in range(customers)],
            "days_since_last_order": [1] * customers,
            "lifetime_value": [500.0 + i for i in range(customers)],
        }
    ).to_parquet(path, index=False)
