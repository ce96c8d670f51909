"""Faults and refusals: Redis going away, an incompatible model, CLI misuse."""

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feast import FeatureStore
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from mlops.main import app
from stack.redis_server import LocalRedis, RedisEndpoint
from tests.conftest import DATA_END, free_port, write_repo
from tests.service_process import SERVE, running_service
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration


@pytest.fixture
def own_redis(tmp_path: Path, feature_store: FeatureStore) -> Iterator[LocalRedis]:
    """A Redis of the test's own, materialized through Feast, that the test may stop and restart."""
    server = LocalRedis(RedisEndpoint("127.0.0.1", free_port()), tmp_path / "redis")
    server.start()
    connection = f"127.0.0.1:{server.endpoint.port}"
    previous = os.environ["REDIS_CONNECTION_STRING"]
    os.environ["REDIS_CONNECTION_STRING"] = connection
    try:
        store = FeatureStore(repo_path=os.environ["MLOPS_FEAST_REPO"])
        store.materialize(start_date=DATA_END - timedelta(days=30), end_date=datetime.now(UTC))
    finally:
        os.environ["REDIS_CONNECTION_STRING"] = previous
    yield server
    server.stop()


def test_redis_down_gives_503_and_the_service_recovers_without_restart(
    own_redis: LocalRedis, trained_model: TrainingOutcome
) -> None:
    body = {"customer_id": 1, "amount": 25.0}
    env = {"REDIS_CONNECTION_STRING": f"127.0.0.1:{own_redis.endpoint.port}"}
    with running_service(free_port(), env=env) as service:
        before = httpx.post(f"{service}/predict", json=body)
        assert before.status_code == 200

        assert own_redis.stop()
        down = httpx.post(f"{service}/predict", json=body)
        assert down.status_code == 503
        assert "Redis" in down.json()["detail"]
        assert "Traceback" not in down.text
        ready = httpx.get(f"{service}/ready")
        assert ready.status_code == 503
        assert ready.json()["online_store"] == "unavailable"
        batch = httpx.post(f"{service}/predict/batch", json={"items": [body]})
        assert batch.status_code == 503
        assert httpx.get(f"{service}/health").status_code == 200, "liveness must not follow a dependency"

        assert own_redis.start()
        after = httpx.post(f"{service}/predict", json=body)
        assert after.status_code == 200
        assert after.json()["probability"] == before.json()["probability"], "data written before must survive"
        assert httpx.get(f"{service}/ready").status_code == 200


def test_service_refuses_a_model_whose_features_do_not_match(trained_model: TrainingOutcome) -> None:
    client = MlflowClient(os.environ["MLFLOW_TRACKING_URI"])
    good = client.get_model_version("fraud_detector", trained_model.registered.version)
    features = json.loads(good.tags["features"])
    mismatched = client.create_model_version(
        "fraud_detector",
        source=good.source,
        run_id=good.run_id,
        tags={**good.tags, "features": json.dumps(list(reversed(features)))},
    )
    client.set_registered_model_alias("fraud_detector", "mismatch", mismatched.version)

    result = subprocess.run(
        [*SERVE, "--port", str(free_port())],
        env={**os.environ, "MLOPS_MODEL_ALIAS": "mismatch"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "expects features" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


runner = CliRunner()


def _invoke(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, args, env=env)
    return result.exit_code, result.output


def test_serve_without_a_production_model_says_what_to_do(trained_model: TrainingOutcome) -> None:
    from inference.settings import get_settings

    get_settings.cache_clear()
    try:
        code, output = _invoke(["serve"], env={"MLOPS_MODEL_ALIAS": "nobody-has-this"})
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert "no version of 'fraud_detector' has the alias 'nobody-has-this'" in output
    assert "mlops train --promote" in output


def test_train_with_a_wrong_path_fails_in_one_line(tmp_path: Path) -> None:
    code, output = _invoke(["train", "--transactions", str(tmp_path / "nope.parquet")])
    assert code == 1
    assert output.strip().splitlines() == [
        f"error: no transactions at {tmp_path / 'nope.parquet'}: run `mlops data generate` first"
    ]


def test_train_against_an_unapplied_store_says_to_apply(tmp_path: Path, generated_data: object) -> None:
    repo = write_repo(tmp_path / "repo", "never_applied")
    code, output = _invoke(["train"], env={"MLOPS_FEAST_REPO": str(repo)})
    assert code == 1
    assert "run `feast apply` first" in output
    assert "Traceback" not in output


def test_materialize_unknown_view_is_named(feature_store: FeatureStore) -> None:
    code, output = _invoke(["materialize", "run", "--view", "no_such_view"])
    assert code == 1
    assert "unknown feature view(s): no_such_view; known: customer_stats" in output


def test_failing_gate_never_promotes(feature_store: FeatureStore, trained_model: TrainingOutcome) -> None:
    client = MlflowClient(os.environ["MLFLOW_TRACKING_URI"])
    production_before = client.get_model_version_by_alias("fraud_detector", "production").version

    code, output = _invoke(["train", "--promote", "--gate-threshold", "1.01", "--num-boost-round", "5"])

    assert code == 1
    assert "gate FAILED" in output
    assert "not promoted" in output
    assert client.get_model_version_by_alias("fraud_detector", "production").version == production_before
    newest = max(client.search_model_versions("name='fraud_detector'"), key=lambda v: int(v.version))
    assert newest.tags["gate_passed"] == "false"
