"""``mlops retrain``: the scheduled half of the loop from monitoring back to training and delivery.

Run it on a schedule (the CronJob in deploy/k8s, the DAG in deploy/airflow): most runs find
no trigger, or one inside its cool-down, and exit 0 in seconds. Exit 1 means a run trained
and the candidate failed its gate, or the run failed: both deserve a look.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from core.errors import UserError
from core.root import REPO_ROOT


def retrain_command(
    pipeline: Annotated[
        Path, typer.Option("--pipeline", help="Pipeline file; its `retrain` section is the policy.")
    ] = (REPO_ROOT / "pipeline.json"),
    log_dir: Annotated[
        Path | None, typer.Option(help="Prediction log folder; default: the data folder's predictions/.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Retrain now: a manual trigger, past the cool-down.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Evaluate the triggers and the cool-down; train nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
) -> None:
    """Evaluate drift, accuracy, new-data and age triggers; on one, train, gate and start a canary (never promote)."""
    from mlflow.exceptions import MlflowException

    from core.feature_store import open_store, require_applied
    from core.paths import ProjectPaths, mlflow_tracking_uri
    from pipeline.definition import PipelineFileError, read_document
    from pipeline.findings import errors
    from pipeline.retrain import Retrainer
    from pipeline.validator import definition, validate_document
    from training.data_checks import DataValidationError

    try:
        document = read_document(pipeline)
    except PipelineFileError as error:
        raise UserError(str(error)) from error
    failing = errors(validate_document(document, None), strict=False)
    if failing:
        first = failing[0]
        raise UserError(f"{pipeline} is invalid: {first.code} at {first.location}: {first.message}")
    spec = definition(document)
    paths = ProjectPaths.from_env()
    say = (lambda line: typer.echo(line, err=True)) if as_json else typer.echo
    try:
        store = open_store()
        require_applied(store, spec.feature_service)
        retrainer = Retrainer(spec, store, mlflow_tracking_uri(), log_dir or paths.predictions, paths.transactions, say)
        record = retrainer.run(force=force, dry_run=dry_run)
    except DataValidationError as error:
        raise UserError(f"the training data failed validation: {len(error.problems)} problem(s)") from error
    except (FileNotFoundError, ValueError, RuntimeError, MlflowException) as error:
        raise UserError(str(error).splitlines()[0]) from error
    if as_json:
        typer.echo(json.dumps(record.as_dict(), indent=2))
    if record.outcome == "gate_failed":
        raise typer.Exit(1)
