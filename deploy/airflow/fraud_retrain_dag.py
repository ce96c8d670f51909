"""Airflow DAG for `mlops retrain`: the triggers evaluated on a schedule, a canary on a trigger.

Same contract as the Kubernetes CronJob (deploy/k8s/base/retrain-cronjob.yaml): one task,
``mlops retrain --json``, hourly by default (``MLOPS_RETRAIN_SCHEDULE``). Most runs find no
trigger, or one inside its cool-down, and succeed in seconds. A triggered run trains through
the pipeline file's stages, gates the candidate against production, registers it and starts a
canary; `mlops rollout analyze --watch` (or its own schedule) then promotes or aborts it. The
task fails (exit 1) when the candidate failed its gate, so the failure shows in Airflow.
There are no retries: a retry inside the cool-down would do nothing, and after it would train
the same candidate again.
"""

import os
import shlex
from datetime import datetime
from pathlib import Path
from typing import Any

PIPELINE = Path(os.environ.get("MLOPS_PIPELINE", Path(__file__).resolve().parents[2] / "pipeline.json"))
MLOPS = os.environ.get("MLOPS_BIN", "mlops")
SCHEDULE = os.environ.get("MLOPS_RETRAIN_SCHEDULE", "15 * * * *")


def plan(pipeline: Path = PIPELINE, mlops: str = MLOPS) -> dict[str, Any]:
    """The DAG as plain data; testable without Airflow."""
    return {
        "dag_id": "fraud_detector_retrain",
        "doc_md": __doc__ or "",
        "bash_command": f"{mlops} retrain --pipeline {shlex.quote(str(pipeline))} --json",
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
        max_active_runs=1,
        default_args={"retries": 0, "owner": "ml-platform"},
        tags=["mlops", "training", "retrain"],
    ) as dag:
        BashOperator(task_id="retrain", bash_command=_plan["bash_command"])
