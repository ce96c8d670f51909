"""``MLOPS_DATA_DIR`` moves the data the sources read, not the Feast registry (docs/configuration.md).

``feast apply`` is run as a user runs it, from a Feast repository holding a copy of the shipped
``feature_store.yaml``, with the data folder pointed elsewhere.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from feast import FeatureStore

from core.settings import REPO_ROOT

pytestmark = pytest.mark.integration

DEFINITIONS = "from feature_repo.customer_stats import customer_stats\nfrom feature_repo.entities import customer\n"


def test_moving_the_data_folder_moves_the_sources_but_not_the_registry(tmp_path: Path) -> None:
    repo, data_dir = tmp_path / "repo", tmp_path / "moved-data"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "feature_store.yaml", repo / "feature_store.yaml")
    (repo / "definitions.py").write_text(DEFINITIONS)
    env = {**os.environ, "MLOPS_DATA_DIR": str(data_dir), "MLOPS_FEAST_REPO": str(repo)}
    feast = Path(sys.executable).parent / "feast"
    result = subprocess.run([str(feast), "apply"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    assert (repo / "data" / "registry.db").is_file()  # relative to the Feast repository
    assert not data_dir.exists() or not list(data_dir.rglob("registry*"))
    source = FeatureStore(repo_path=str(repo)).get_feature_view("customer_stats").batch_source
    assert Path(source.path) == data_dir.resolve() / "offline" / "customer_stats.parquet"  # type: ignore[attr-defined]
