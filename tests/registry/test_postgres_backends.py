"""Production backends on a real PostgreSQL: the MLflow server's backend store and Feast's SQL registry.

Connection settings are the production overlay's (deploy/k8s/overlays/production): the
MLflow Deployment's own arguments (deploy/k8s/base/mlflow.yaml) with a
``postgresql://mlflow:...@host/mlflow`` backend store, and the base ``feature_store.yaml``
(SQL registry from ``FEAST_REGISTRY_URL`` = ``postgresql+psycopg://feast:...@host/feast``,
``pool_pre_ping``, ``cache_ttl_seconds``). The one change: a single Redis node instead of a
cluster, as the registry is what is under test. The driver is psycopg 3
(``psycopg[binary]``, SQLAlchemy 2.1's default for ``postgresql://``), pinned in uv.lock.
Register, promote, roll back through ``mlops registry``; two ``feast apply`` at once; then
``mlops serve`` reads both and answers with the rolled-back version.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from core.settings import REPO_ROOT
from tests.conftest import free_port
from tests.fixtures.postgres import LocalPostgres
from tests.fixtures.scale_out import serve
from tests.service_process import stop, wait_for
from training.run import TrainingOutcome

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MODEL = "fraud_detector_pg"
BIN = Path(sys.executable).parent
LOG_MODELS = """\
import json, os, sys
import mlflow, mlflow.lightgbm
from mlflow.tracking import MlflowClient
source = MlflowClient(os.environ["SOURCE_URI"])
version = source.get_model_version("fraud_detector", os.environ["SOURCE_VERSION"])
# The artifact location, not a models:/ URI: the fluent API must only ever talk to the server.
booster = mlflow.lightgbm.load_model(source.get_model_version_download_uri("fraud_detector", version.version))
mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
mlflow.set_experiment("fraud_detector_pg")
runs = []
for _ in range(2):
    with mlflow.start_run() as run:
        mlflow.set_tags({k: version.tags[k] for k in ("feature_service", "features")} | {"gate_passed": "true"})
        mlflow.lightgbm.log_model(booster, name="model", pip_requirements=["lightgbm"])
        runs.append(run.info.run_id)
print(json.dumps(runs))
"""


def _manifest_args(backend_uri: str, artifacts: Path, port: int) -> list[str]:
    """The MLflow container's arguments from the manifest, with the Secret's values and a local port."""
    documents = yaml.safe_load_all((REPO_ROOT / "deploy" / "k8s" / "base" / "mlflow.yaml").read_text())
    deployment = next(doc for doc in documents if doc and doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    values = {"$(MLFLOW_BACKEND_STORE_URI)": backend_uri, "$(MLFLOW_ARTIFACTS_DESTINATION)": str(artifacts)}
    args = [values.get(arg, arg) for arg in container["args"]]
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = str(port)
    return [str(BIN / container["command"][0]), *args]


@pytest.fixture(scope="module")
def mlflow_server(postgres: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    with (folder / "server.log").open("w+b") as log:
        process = subprocess.Popen(
            _manifest_args(postgres.url("mlflow"), folder / "artifacts", port), stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{url}/health", process, log, timeout=240)  # type: ignore[arg-type]
            yield url
        finally:
            stop(process, timeout=20)


def _mlops(env: dict[str, str], *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "mlops", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


def _feast(repo: Path, env: dict[str, str], *args: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [str(BIN / "feast"), "--chdir", str(repo), *args],
        env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _registered_versions(mlflow_server: str, trained_model: TrainingOutcome) -> dict[str, str]:
    env = {
        "MLFLOW_TRACKING_URI": mlflow_server,
        "SOURCE_URI": os.environ["MLFLOW_TRACKING_URI"],
        "SOURCE_VERSION": trained_model.registered.version,
    }
    logged = subprocess.run(
        [sys.executable, "-c", LOG_MODELS], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert logged.returncode == 0, logged.stderr
    versions = {}
    for label, run_id in zip(("v1", "v2"), json.loads(logged.stdout.splitlines()[-1]), strict=True):
        args = [
            "--name",
            MODEL,
            "--version",
            label,
            "--model-uri",
            f"runs:/{run_id}/model",
            "--metrics",
            '{"auc": 0.9}',
        ]
        versions[label] = str(_mlops(env, "registry", "register", *args, "--json")["version"])
    return versions


def _repo(folder: Path) -> Path:
    """The base feature_store.yaml, single Redis node instead of a cluster, beside the definitions."""
    folder.mkdir(parents=True)
    config = (REPO_ROOT / "deploy" / "k8s" / "base" / "feature_store.yaml").read_text()
    assert "redis_type: redis_cluster" in config
    (folder / "feature_store.yaml").write_text(config.replace("redis_type: redis_cluster", "redis_type: redis"))
    (folder / "definitions.py").write_text(
        "from feature_repo.customer_stats import customer_stats\n"
        "from feature_repo.entities import customer\n"
        "from feature_repo.feature_services import fraud_detector_v1\n"
    )
    return folder


def test_registry_lifecycle_and_concurrent_applies_on_postgres_then_serve(
    postgres: LocalPostgres, mlflow_server: str, trained_model: TrainingOutcome, tmp_path: Path
) -> None:
    env = {"MLFLOW_TRACKING_URI": mlflow_server}
    versions = _registered_versions(mlflow_server, trained_model)
    _mlops(env, "registry", "promote", "--name", MODEL, "--version", "v1")
    _mlops(env, "registry", "promote", "--name", MODEL, "--version", "v2")
    rolled = _mlops(env, "registry", "rollback", "--name", MODEL, "--reason", "drill", "--json")
    assert (rolled["from_version"], rolled["to_version"]) == (versions["v2"], versions["v1"])
    history = _mlops(env, "registry", "history", "--name", MODEL, "--json")
    assert [(t["action"], t["to_version"]) for t in history] == [
        ("register", versions["v1"]),
        ("register", versions["v2"]),
        ("promote", versions["v1"]),
        ("promote", versions["v2"]),
        ("rollback", versions["v1"]),
    ]

    feast_env = {"FEAST_REGISTRY_URL": postgres.url("feast", "postgresql+psycopg")}
    repos = [_repo(tmp_path / name) for name in ("writer-a", "writer-b")]
    first = _feast(repos[0], feast_env, "apply")  # creates the tables; concurrency starts after it
    assert first.wait(timeout=180) == 0, first.communicate()[0]
    applies = [_feast(repo, feast_env, "apply") for repo in repos]
    outputs = [p.communicate(timeout=180)[0] for p in applies]
    assert [p.returncode for p in applies] == [0, 0], "\n".join(outputs)
    listed = _feast(repos[1], feast_env, "feature-services", "list").communicate(timeout=120)[0]
    assert "fraud_detector_v1" in listed

    serving = {**env, **feast_env, "MLOPS_FEAST_REPO": str(repos[1]), "MLOPS_MODEL_NAME": MODEL}
    with serve(tmp_path / "serve.log", serving, trained_model, ready_path="/ready") as service:
        answer = httpx.post(f"{service.url}/predict", json={"customer_id": 1, "amount": 10.0})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["model_name"], answer.json()["model_version"]) == (MODEL, versions["v1"])
