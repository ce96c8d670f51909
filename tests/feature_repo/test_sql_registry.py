"""Feast's SQL registry (here its SQLite form) shared by several processes.

The repository config is the local Kubernetes overlay's, unchanged: SQL registry from
``FEAST_REGISTRY_URL``, single-node Redis from ``REDIS_CONNECTION_STRING``. Two ``feast apply``
processes run at once against one registry, then separate processes read it back and serve.
"""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from feast import FeatureStore

from tests.fixtures.cluster import environment
from tests.fixtures.scale_out import serve
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
LOCAL_FEATURE_STORE = REPO / "deploy" / "k8s" / "overlays" / "local" / "feature_store.yaml"
DEFINITIONS = """\
from feature_repo.customer_stats import customer_stats
from feature_repo.entities import customer
from feature_repo.feature_services import fraud_detector_v1
"""


def _feast(repo: Path, env: dict[str, str], *args: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "feast"), "--chdir", str(repo), *args],
        env={**os.environ, **env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_processes_apply_and_read_one_sql_registry(
    tmp_path: Path, feature_store: FeatureStore, trained_model: TrainingOutcome
) -> None:
    env = {"FEAST_REGISTRY_URL": f"sqlite:///{tmp_path / 'registry.sqlite'}"}
    repos = []
    for name in ("writer-a", "writer-b"):
        repo = tmp_path / name
        repo.mkdir()
        (repo / "feature_store.yaml").write_text(LOCAL_FEATURE_STORE.read_text())
        (repo / "definitions.py").write_text(DEFINITIONS)
        repos.append(repo)

    # The first apply creates the registry's tables; creating them is not safe to race
    # (one of two first-ever applies failed 1 run in 6), so concurrency starts after it.
    first = _feast(repos[0], env, "apply")
    assert first.wait(timeout=180) == 0, first.communicate()[0]

    applies = [_feast(repo, env, "apply") for repo in repos]
    outputs = [p.communicate(timeout=180)[0] for p in applies]
    assert [p.returncode for p in applies] == [0, 0], "\n".join(outputs)

    readers = [_feast(repos[1], env, "feature-services", "list"), _feast(repos[0], env, "feature-views", "list")]
    listed = [p.communicate(timeout=120)[0] for p in readers]
    assert [p.returncode for p in readers] == [0, 0], listed
    assert "fraud_detector_v1" in listed[0]
    assert "customer_stats" in listed[1]

    with environment(**env, MLOPS_FEAST_REPO=str(repos[0])):
        store = FeatureStore(repo_path=str(repos[0]))
        assert [v.name for v in store.list_feature_views()] == ["customer_stats"]
        assert store.config.registry.registry_type == "sql"

    # The service opens the registry in yet another process and checks the model against it.
    with serve(tmp_path / "serve.log", {**env, "MLOPS_FEAST_REPO": str(repos[1])}, trained_model) as service:
        ready = httpx.get(f"{service.url}/ready")
        assert ready.status_code == 200, ready.text
