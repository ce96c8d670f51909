"""A password-protected Redis of these tests' own, and ``mlops serve`` with its log kept."""

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feast import FeatureStore

from stack.redis_server import LocalRedis, RedisEndpoint
from tests.cluster.conftest import environment
from tests.conftest import DATA_END, free_port
from tests.service_process import SERVE, stop, wait_for
from training.pipeline import TrainingOutcome


@pytest.fixture(scope="module")
def protected_redis(tmp_path_factory: pytest.TempPathFactory, feature_store: FeatureStore) -> Iterator[LocalRedis]:
    """Materialized through Feast like the session's Redis, but with a random password."""
    endpoint = RedisEndpoint("127.0.0.1", free_port(), password=secrets.token_hex(16))
    server = LocalRedis(endpoint, tmp_path_factory.mktemp("protected-redis"))
    server.start()
    with environment(REDIS_CONNECTION_STRING=connection_string(server)):
        store = FeatureStore(repo_path=os.environ["MLOPS_FEAST_REPO"])
        store.materialize(start_date=DATA_END - timedelta(days=30), end_date=datetime.now(UTC))
    yield server
    server.stop()


def connection_string(server: LocalRedis, password: str | None = None) -> str:
    return f"{server.endpoint.host}:{server.endpoint.port},password={password or server.endpoint.password}"


@dataclass
class Service:
    url: str
    process: "subprocess.Popen[bytes]"
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serve(
    log: Path, env: dict[str, str], trained_model: TrainingOutcome, *args: str, ready_path: str = "/health"
) -> Iterator[Service]:
    """``mlops serve`` at info level, its stdout and stderr in ``log``; stopped (SIGTERM, then kill) after."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--log-level", "info", *args],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        with log.open("rb") as reader:
            # Generous: every worker imports Feast and MLflow and loads the model on a 2-core machine.
            wait_for(f"{url}{ready_path}", process, reader, timeout=240)  # type: ignore[arg-type]
        yield Service(url, process, log)
    finally:
        stop(process, timeout=30)
