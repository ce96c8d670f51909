"""Shared fixtures: a real redis-server, a Feast repository and an MLflow backend per session.

Environment variables are set here, before any test module imports ``feature_repo``,
because Feast definitions resolve their source paths when imported.
"""

import os
import socket
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

SESSION_DIR = Path(tempfile.mkdtemp(prefix="mlops-tests-"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


REDIS_PORT = free_port()
os.environ["MLOPS_DATA_DIR"] = str(SESSION_DIR / "data")
os.environ["REDIS_CONNECTION_STRING"] = f"127.0.0.1:{REDIS_PORT}"
os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{SESSION_DIR / 'mlflow.db'}"
os.environ["MLOPS_FEAST_REPO"] = str(SESSION_DIR / "repo")
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")

# Imported only now: feature_repo reads MLOPS_DATA_DIR when first imported.
from feast import FeatureStore  # noqa: E402

from stack.feast_repo import write_repo  # noqa: E402
from stack.redis_server import LocalRedis, RedisEndpoint  # noqa: E402
from training.run import TrainingOutcome  # noqa: E402
from upstream.generate import GeneratedData  # noqa: E402

# The generated data ends at today's midnight so that the newest snapshots are inside the TTL.
DATA_END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[LocalRedis]:
    server = LocalRedis(RedisEndpoint("127.0.0.1", REDIS_PORT), SESSION_DIR / "redis")
    assert server.start(), f"something already answers on port {REDIS_PORT}"
    yield server
    server.stop()


@pytest.fixture(scope="session")
def generated_data() -> GeneratedData:
    """A small deterministic data set written where the Feast source reads it."""
    from core.paths import ProjectPaths
    from upstream.generate import GeneratorConfig, generate
    from upstream.velocity_history import velocity_history

    data = generate(GeneratorConfig(customers=1500, days=12, end=DATA_END, seed=11))
    paths = ProjectPaths.from_env()
    paths.offline.mkdir(parents=True, exist_ok=True)
    data.customer_stats.to_parquet(paths.customer_stats, index=False)
    data.transactions.to_parquet(paths.transactions, index=False)
    velocity_history(data.transactions).to_parquet(paths.customer_txn_velocity, index=False)
    return data


@pytest.fixture(scope="session")
def feature_store(redis_server: LocalRedis, generated_data: GeneratedData) -> FeatureStore:
    """The project's Feast definitions applied to a fresh registry and materialized into Redis."""
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1

    repo = write_repo(Path(os.environ["MLOPS_FEAST_REPO"]), "fraud_tests")
    store = FeatureStore(repo_path=str(repo))
    store.apply([customer, customer_stats, fraud_detector_v1])
    store.materialize(start_date=DATA_END - timedelta(days=30), end_date=datetime.now(UTC))
    return store


@pytest.fixture(scope="session")
def trained_model(feature_store: FeatureStore, generated_data: GeneratedData) -> TrainingOutcome:
    """A model trained through the real pipeline, registered and promoted in a real MLflow backend."""
    from stack.mlflow_backend import ensure_backend
    from training.evaluation import Gate
    from training.model import TrainingConfig
    from training.run import run_training

    uri = ensure_backend(os.environ["MLFLOW_TRACKING_URI"])
    return run_training(
        feature_store,
        generated_data.transactions,
        feature_service="fraud_detector_v1",
        tracking_uri=uri,
        gate=Gate("auc", 0.85),
        config=TrainingConfig(num_boost_round=60),
        promote=True,
    )


# Fixtures shared by several test packages, imported last: they import the names above.
from tests.fixtures.candidates import candidates  # noqa: E402, F401
from tests.fixtures.cluster import cluster_env, cluster_store, redis_cluster  # noqa: E402, F401
from tests.fixtures.postgres import postgres  # noqa: E402, F401
from tests.fixtures.registry_runs import lifecycle, runs  # noqa: E402, F401
from tests.fixtures.rollout_life import rollout_life  # noqa: E402, F401
from tests.fixtures.scale_out import protected_redis  # noqa: E402, F401
from tests.fixtures.spark import spark  # noqa: E402, F401
