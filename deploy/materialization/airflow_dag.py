"""Airflow DAG for materialization: the same job function as ``mlops materialize run``.

Drop this file where the Airflow scheduler reads DAGs, with the repository installed (the
``mlops`` package) and the same environment as the CLI: ``MLOPS_FEAST_REPO``,
``REDIS_CONNECTION_STRING``, ``MLOPS_DATA_DIR`` (run records), ``MLOPS_ALERT_WEBHOOK_URL``.
One task per view, from ``MLOPS_MATERIALIZE_VIEWS`` (comma-separated; default one task for
every online view), so a failing view neither blocks nor retries the others. Each task calls
:func:`materialization.run_once.run_once_or_raise`: windows through Feast, run records, resume
after a kill, alerts after the run; a failed view raises, so Airflow's retries apply on top of
the job's own. ``max_active_runs=1`` keeps two runs of a view from overlapping.
"""

import os
from datetime import datetime, timedelta
from typing import Any

SCHEDULE = os.environ.get("MLOPS_MATERIALIZE_SCHEDULE", "@hourly")
VIEWS = [v.strip() for v in os.environ.get("MLOPS_MATERIALIZE_VIEWS", "").split(",") if v.strip()]


def materialize_task(views: list[str] | None = None) -> dict[str, Any]:
    """The task body; importable and callable without Airflow (the tests call it)."""
    from materialization.run_once import run_once_or_raise

    outcomes = run_once_or_raise(views)
    return {o.view: {"run": o.run_id, "rows_read": o.rows_read, "rows_written": o.rows_written} for o in outcomes}


def task_plan(views: list[str] = VIEWS) -> list[dict[str, Any]]:
    """Tasks as plain data: id and the views each materializes."""
    if not views:
        return [{"task_id": "materialize_all_views", "views": None}]
    return [{"task_id": f"materialize_{view}", "views": [view]} for view in views]


try:
    from airflow import DAG

    try:
        from airflow.providers.standard.operators.python import PythonOperator
    except ImportError:  # Airflow 2 without the standard provider
        from airflow.operators.python import PythonOperator
except ImportError:  # imported outside Airflow (tests, docs)
    DAG = None

if DAG is not None:
    with DAG(
        dag_id="feature_materialization",
        description="Incremental materialization of Feast feature views into Redis, with freshness alerts.",
        schedule=SCHEDULE,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 2, "retry_delay": timedelta(minutes=2), "retry_exponential_backoff": True},
        tags=["feast", "materialization"],
    ) as dag:
        for task in task_plan():
            PythonOperator(task_id=task["task_id"], python_callable=materialize_task, op_args=[task["views"]])
