"""Airflow DAG for the training pipeline, built from the same ``pipeline.json`` as `mlops pipeline run`.

Drop this file (and the repository, installed as the ``mlops`` package) where the Airflow
scheduler reads DAGs; ``MLOPS_PIPELINE`` points at the pipeline file, ``MLOPS_BIN`` at the
``mlops`` executable. The DAG id, description and stage list come from the pipeline file,
so editing the file changes what Airflow runs: nothing is declared twice.

Two tasks: ``validate_pipeline`` (`mlops pipeline validate --strict`, nothing runs if the
definition is wrong) then ``run_pipeline`` (`mlops pipeline run`, every stage in order; the
evaluation gate and the rollback policy apply exactly as on one machine). The stages stay
in one task because they hand a training set and a booster to each other in memory; a task
per stage would need an artifact store between Airflow workers for no gain in safety.
Airflow's retries wrap the whole run, which is idempotent up to registration (a retried run
registers a new version; production moves only when the gate passes).
"""

import json
import os
import shlex
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PIPELINE = Path(os.environ.get("MLOPS_PIPELINE", Path(__file__).resolve().parents[2] / "pipeline.json"))
MLOPS = os.environ.get("MLOPS_BIN", "mlops")
SCHEDULE = os.environ.get("MLOPS_PIPELINE_SCHEDULE", "@daily")


def plan(pipeline: Path = PIPELINE, mlops: str = MLOPS) -> dict[str, Any]:
    """The DAG as plain data (id, doc, tasks with their commands and upstreams); testable without Airflow."""
    document = json.loads(pipeline.read_text())
    quoted = shlex.quote(str(pipeline))
    stages = " -> ".join(f"{stage.get('name', stage['type'])} ({stage['type']})" for stage in document["stages"])
    return {
        "dag_id": document["name"],
        "doc_md": f"{document.get('description', '')}\n\nStages: {stages}\n\nModel: `{document['model']}`, "
        f"features: `{document['feature_service']}`, rollback: `{json.dumps(document.get('rollback'))}`",
        "tasks": [
            {
                "task_id": "validate_pipeline",
                "bash_command": f"{mlops} pipeline validate --pipeline {quoted} --strict",
                "upstream": [],
            },
            {
                "task_id": "run_pipeline",
                "bash_command": f"{mlops} pipeline run --pipeline {quoted}",
                "upstream": ["validate_pipeline"],
            },
        ],
    }


try:
    from airflow import DAG

    try:
        from airflow.providers.standard.operators.bash import BashOperator
    except ImportError:  # Airflow 2 without the standard provider
        from airflow.operators.bash import BashOperator
except ImportError:  # imported outside Airflow (tests, docs): the plan above is all there is
    DAG = None

if DAG is not None:
    _plan = plan()
    with DAG(
        dag_id=_plan["dag_id"],
        doc_md=_plan["doc_md"],
        schedule=SCHEDULE,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,  # two runs promoting at once would race for the production alias
        default_args={"retries": 1, "retry_delay": timedelta(minutes=5), "owner": "ml-platform"},
        tags=["mlops", "training"],
    ) as dag:
        _tasks = {
            task["task_id"]: BashOperator(task_id=task["task_id"], bash_command=task["bash_command"])
            for task in _plan["tasks"]
        }
        for task in _plan["tasks"]:
            for upstream in task["upstream"]:
                _tasks[upstream] >> _tasks[task["task_id"]]
