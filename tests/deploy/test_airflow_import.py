"""Every DAG file we ship imports in a real Airflow, installed from its lock into a throwaway venv.

Airflow is not a dependency of the project (it pins half of PyPI); its users run it
beside us. So the test builds its own environment with uv from ``deploy/airflow/
requirements.lock`` and asks Airflow's DagBag, the parser the scheduler itself uses, for
the import errors of each DAG file.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core.root import REPO_ROOT

LOCK = REPO_ROOT / "deploy" / "airflow" / "requirements.lock"
DAG_FILES = {
    REPO_ROOT / "deploy" / "airflow" / "fraud_training_dag.py": "fraud_detector_training",
    REPO_ROOT / "deploy" / "airflow" / "fraud_retrain_dag.py": "fraud_detector_retrain",
    REPO_ROOT / "deploy" / "materialization" / "airflow_dag.py": "feature_materialization",
}
PARSE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
found = {}
for path in sys.argv[1:]:
    bag = DagBag(dag_folder=path)
    found[path] = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": sorted(bag.dags)}
print(json.dumps(found))
"""


def _uv() -> str:
    local = REPO_ROOT / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    assert found, "uv is installed by `make install` (.tools/bin/uv)"
    return found


@pytest.mark.integration
@pytest.mark.slow
def test_every_dag_file_imports_in_real_airflow(tmp_path: Path) -> None:
    venv = tmp_path / "airflow-venv"
    subprocess.run([_uv(), "venv", "-q", "-p", "3.11", str(venv)], check=True, timeout=300)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    subprocess.run([_uv(), "pip", "install", "-q", "-r", str(LOCK)], check=True, env=env, timeout=900)
    home = tmp_path / "airflow-home"
    parse_env = {"PATH": os.environ["PATH"], "HOME": str(home), "AIRFLOW_HOME": str(home)}
    parsed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PARSE, *map(str, DAG_FILES)],
        capture_output=True,
        text=True,
        env=parse_env,
        timeout=300,
    )
    assert parsed.returncode == 0, parsed.stderr[-3000:]
    found = json.loads(parsed.stdout.splitlines()[-1])
    assert {path: result["errors"] for path, result in found.items()} == {str(path): {} for path in DAG_FILES}
    assert {path: result["dags"] for path, result in found.items()} == {
        str(path): [dag_id] for path, dag_id in DAG_FILES.items()
    }
