"""A real three-master, password-protected Redis Cluster on loopback, and a Feast repo on it."""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feast import FeatureStore

from stack.redis_cluster import LocalRedisCluster, free_cluster_ports
from tests.conftest import DATA_END, SESSION_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
CLUSTER_FEATURE_STORE = REPO_ROOT / "deploy" / "feast" / "feature_store.redis_cluster.yaml"


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Feast expands ${VARS} when it loads feature_store.yaml: set them for this block only."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[LocalRedisCluster]:
    cluster = LocalRedisCluster(
        "127.0.0.1", tuple(free_cluster_ports(3)), SESSION_DIR / "redis-cluster", password=secrets.token_hex(16)
    )
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def cluster_env(redis_cluster: LocalRedisCluster) -> dict[str, str]:
    """What a deployment sets: the cluster's nodes and password, a SQL (SQLite) registry, the repo."""
    repo = SESSION_DIR / "cluster-repo"
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "feature_store.yaml").write_text(CLUSTER_FEATURE_STORE.read_text())
    return {
        "REDIS_CONNECTION_STRING": redis_cluster.connection_string,
        "FEAST_REGISTRY_URL": f"sqlite:///{repo / 'registry.sqlite'}",
        "MLOPS_FEAST_REPO": str(repo),
    }


@pytest.fixture(scope="session")
def cluster_store(cluster_env: dict[str, str], feature_store: FeatureStore) -> FeatureStore:
    """The project's definitions applied and materialized into the cluster, exactly as on one node."""
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1

    with environment(**cluster_env):
        store = FeatureStore(repo_path=cluster_env["MLOPS_FEAST_REPO"])
        store.apply([customer, customer_stats, fraud_detector_v1])
        store.materialize(start_date=DATA_END - timedelta(days=30), end_date=datetime.now(UTC))
    return store
