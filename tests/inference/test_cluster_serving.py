"""The service on a real Redis Cluster answers exactly as on one Redis node.

Scale-out is configuration only: the same definitions applied and materialized through Feast
into a three-master cluster with a password (deploy/feast/feature_store.redis_cluster.yaml,
unchanged), the same model, and ``mlops serve`` pointed at it by environment variables.
"""

from collections.abc import Iterator

import httpx
import pytest
from feast import FeatureStore

from stack.redis_cluster import LocalRedisCluster
from tests.conftest import free_port
from tests.service_process import running_service
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = [pytest.mark.integration, pytest.mark.cluster]


@pytest.fixture(scope="module")
def single_node_service(feature_store: FeatureStore, trained_model: TrainingOutcome) -> Iterator[str]:
    with running_service(free_port()) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def cluster_service(
    cluster_store: FeatureStore, cluster_env: dict[str, str], trained_model: TrainingOutcome
) -> Iterator[str]:
    with running_service(free_port(), env=cluster_env) as base_url:
        yield base_url


def _items(generated_data: GeneratedData) -> list[dict[str, object]]:
    """Every kind of customer: fresh, stale (stopped getting snapshots), never seen, unknown."""
    known = sorted(int(c) for c in generated_data.customer_stats["customer_id"].unique())
    ids = [*known[:: max(1, len(known) // 300)], max(known) + 1, 10**9]
    return [{"customer_id": c, "amount": float(10 + (c % 500))} for c in ids]


def test_the_materialized_keys_are_spread_over_all_three_masters(
    cluster_store: FeatureStore, redis_cluster: LocalRedisCluster
) -> None:
    sizes = [int(node.endpoint.client().dbsize()) for node in redis_cluster.nodes]  # type: ignore[arg-type]
    assert len(sizes) == 3
    assert all(size > 100 for size in sizes), sizes


def test_batch_predictions_on_the_cluster_equal_the_single_node_run(
    cluster_service: str, single_node_service: str, generated_data: GeneratedData
) -> None:
    body = {"items": _items(generated_data)}
    on_cluster = httpx.post(f"{cluster_service}/predict/batch", json=body, timeout=30)
    on_node = httpx.post(f"{single_node_service}/predict/batch", json=body, timeout=30)

    assert on_cluster.status_code == 200, on_cluster.text
    assert on_node.status_code == 200
    assert on_cluster.json() == on_node.json()
    statuses = {s for p in on_cluster.json()["predictions"] for s in p["feature_status"].values()}
    assert statuses == {"present", "stale", "missing"}  # the comparison covered every case


def test_single_predictions_and_readiness_on_the_cluster(
    cluster_service: str, single_node_service: str, generated_data: GeneratedData
) -> None:
    ready = httpx.get(f"{cluster_service}/ready")
    assert ready.status_code == 200
    assert ready.json()["online_store"] == "ok"
    for item in _items(generated_data)[:20]:
        on_cluster = httpx.post(f"{cluster_service}/predict", json=item).json()
        assert on_cluster == httpx.post(f"{single_node_service}/predict", json=item).json()
        assert on_cluster["customer_id"] == item["customer_id"]


def test_cluster_down_gives_503_not_500(cluster_service: str, redis_cluster: LocalRedisCluster) -> None:
    """Stops the session's cluster, then resumes it from its files for the tests that follow."""
    redis_cluster.stop()
    try:
        down = httpx.post(f"{cluster_service}/predict", json={"customer_id": 1, "amount": 10.0}, timeout=30)
        assert down.status_code == 503, down.text
        assert "Redis" in down.json()["detail"]
        ready = httpx.get(f"{cluster_service}/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["online_store"] == "unavailable"
    finally:
        redis_cluster.resume()
    back = httpx.post(f"{cluster_service}/predict", json={"customer_id": 1, "amount": 10.0}, timeout=30)
    assert back.status_code == 200, back.text
