"""One run for schedulers that live outside this process: a Kubernetes CronJob, an Airflow task.

It opens the store from the environment, runs the same job function as the CLI and
``mlops materialize schedule``, then evaluates the alert rules, so moving the schedule
to another orchestrator changes configuration only.
"""

from datetime import UTC, datetime
from pathlib import Path

from core.feature_store import open_store
from materialization.evaluation import Evaluation, default_sinks, evaluate
from materialization.jobs import ViewOutcome, run_materialization
from materialization.records import RunLog
from materialization.scheduler import job_options
from materialization.settings import load_settings


class MaterializationFailed(RuntimeError):
    """At least one view failed after its retries; orchestrators retry or page on this."""


def run_once(
    views: list[str] | None = None, config: Path | None = None, alert: bool = True
) -> tuple[list[ViewOutcome], Evaluation | None]:
    settings = load_settings(config)
    store = open_store()
    log = RunLog()
    outcomes = run_materialization(store, log, datetime.now(UTC), None, views, job_options(settings))
    evaluation = evaluate(store, log, settings, default_sinks(settings.alerts), None, views) if alert else None
    return outcomes, evaluation


def run_once_or_raise(views: list[str] | None = None, config: Path | None = None) -> list[ViewOutcome]:
    outcomes, _ = run_once(views, config)
    failed = [f"{o.view}: {o.error}" for o in outcomes if o.status != "success"]
    if failed:
        raise MaterializationFailed("; ".join(failed))
    return outcomes
