"""``mlops train``: train, evaluate, register, and optionally promote."""

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from core.errors import UserError
from core.names import FEATURE_SERVICE

if TYPE_CHECKING:
    from training.run import TrainingOutcome

GateMetric = Literal["auc", "precision", "recall", "f1"]
"""The metrics ``training.evaluation.Gate`` accepts, typed so ``--help`` lists them."""


def train_command(
    promote: Annotated[
        bool, typer.Option(help="Give the new version the `production` alias if the gate passes.")
    ] = False,
    gate_metric: Annotated[GateMetric, typer.Option(help="Holdout metric the gate checks.")] = "auc",
    gate_threshold: Annotated[float, typer.Option(help="Minimum holdout value of the gate metric.")] = 0.85,
    num_boost_round: Annotated[int, typer.Option(min=1, help="Boosting rounds.")] = 200,
    holdout_share: Annotated[float, typer.Option(help="Latest share of rows held out for evaluation.")] = 0.2,
    transactions: Annotated[
        Path | None, typer.Option(help="Labelled transactions Parquet; default: the data folder's.")
    ] = None,
    feature_service: Annotated[str, typer.Option(help="Feast feature service to train on.")] = FEATURE_SERVICE,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document at the end; progress goes to stderr.")
    ] = False,
) -> None:
    """Train the fraud model on point-in-time features and register it in MLflow."""
    import pandas as pd

    from core.feature_store import open_store, require_applied
    from core.paths import ProjectPaths, mlflow_tracking_uri
    from training.evaluation import Gate
    from training.model import TrainingConfig
    from training.run import run_training

    try:
        gate = Gate(metric=gate_metric, threshold=gate_threshold)
        config = TrainingConfig(num_boost_round=num_boost_round, holdout_share=holdout_share)
    except ValueError as error:
        raise UserError(str(error)) from error
    path = transactions or ProjectPaths.from_env().transactions
    if not path.exists():
        raise UserError(f"no transactions at {path}: run `mlops data generate` first")
    # Feast and MLflow print to stdout; with --json stdout holds the document alone.
    library_output = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    try:
        with library_output:
            store = open_store()
            require_applied(store, feature_service)
            outcome = run_training(
                store,
                pd.read_parquet(path),
                feature_service=feature_service,
                tracking_uri=mlflow_tracking_uri(),
                gate=gate,
                config=config,
                promote=promote,
                progress=lambda line: typer.echo(line, err=as_json),
            )
    except (UserError, ValueError) as error:
        raise UserError(str(error)) from error
    registered = outcome.registered
    if as_json:
        typer.echo(json.dumps(_outcome_json(outcome), indent=2))
    else:
        typer.echo("holdout: " + " ".join(f"{name}={value:.4f}" for name, value in outcome.metrics.as_dict().items()))
        typer.echo(f"registered {registered.name} version {registered.version} (run {registered.run_id})")
        if registered.promoted:
            typer.echo(f"promoted {registered.name} version {registered.version} to production")
    if promote and not registered.promoted:
        raise UserError(f"not promoted: {outcome.verdict.describe()}")
    if not outcome.verdict.passed:
        raise typer.Exit(1)


def _outcome_json(outcome: "TrainingOutcome") -> dict[str, object]:
    registered, verdict = outcome.registered, outcome.verdict
    return {
        "rows": outcome.rows,
        "holdout_rows": outcome.holdout_rows,
        "holdout": outcome.metrics.as_dict(),
        "gate": {
            "metric": verdict.gate.metric,
            "threshold": verdict.gate.threshold,
            "value": verdict.value,
            "passed": verdict.passed,
        },
        "registered": {
            "name": registered.name,
            "version": registered.version,
            "run_id": registered.run_id,
            "promoted": registered.promoted,
        },
    }
