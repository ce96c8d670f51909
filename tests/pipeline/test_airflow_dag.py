"""The Airflow DAG reads the pipeline file; its plan is checked without Airflow installed."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from core.paths import REPO_ROOT

DAG_FILE = REPO_ROOT / "deploy" / "airflow" / "fraud_training_dag.py"


def load_dag_module() -> object:
    spec = importlib.util.spec_from_file_location("fraud_training_dag", DAG_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plan_follows_the_pipeline_file(tmp_path: Path) -> None:
    document = json.loads((REPO_ROOT / "pipeline.json").read_text())
    document["name"] = "renamed_pipeline"
    pipeline = tmp_path / "my pipeline.json"
    pipeline.write_text(json.dumps(document))

    plan = load_dag_module().plan(pipeline, "/opt/venv/bin/mlops")  # type: ignore[attr-defined]

    assert plan["dag_id"] == "renamed_pipeline"
    assert "fetch_data (fetch_data) -> validate (validate)" in plan["doc_md"]
    assert [(t["task_id"], t["upstream"]) for t in plan["tasks"]] == [
        ("validate_pipeline", []),
        ("run_pipeline", ["validate_pipeline"]),
    ]
    assert plan["tasks"][0]["bash_command"] == f"/opt/venv/bin/mlops pipeline validate --pipeline '{pipeline}' --strict"


def test_dag_file_commands_run_as_written() -> None:
    """The validate task's command, as Airflow would run it, passes on the shipped pipeline."""
    plan = load_dag_module().plan(REPO_ROOT / "pipeline.json", f"{sys.executable} -m mlops")  # type: ignore[attr-defined]
    command = plan["tasks"][0]["bash_command"] + " --no-resolve"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "valid (0 finding(s), strict)" in result.stdout


def test_retrain_dag_runs_retrain_on_the_pipeline_file(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("fraud_retrain_dag", DAG_FILE.with_name("fraud_retrain_dag.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plan = module.plan(tmp_path / "my pipeline.json", "/opt/venv/bin/mlops")
    assert plan["bash_command"] == f"/opt/venv/bin/mlops retrain --pipeline '{tmp_path / 'my pipeline.json'}' --json"
    assert plan["dag_id"] == "fraud_detector_retrain"
