"""``mlops train``: train, evaluate, register, and optionally promote."""

from pathlib import Path
from typing import Annotated

import typer

from mlops.console import CommandError, fail, info


def train_command(
    promote: Annotated[
        bool, typer.Option(help="Give the new version the `production` alias if the gate passes.")
    ] = False,
    gate_metric: Annotated[str, typer.Option(help="Gate metric: auc, precision, recall or f1.")] = "auc",
    gate_threshold: Annotated[float, typer.Option(help="Minimum holdout value of the gate metric.")] = 0.85,
    num_boost_round: Annotated[int, typer.Option(min=1, help="Boosting rounds.")] = 200,
    holdout_share: Annotated[float, typer.Option(help="Latest share of rows held out for evaluation.")] = 0.2,
    transactions: Annotated[
        Path | None, typer.Option(help="Labelled transactions Parquet; default: the data folder's.")
    ] = None,
    feature_service: Annotated[str, typer.Option(help="Feast feature service to train on.")] = "fraud_detector_v1",
) -> None:
    """Train the fraud model on point-in-time features and register it in MLflow."""
    import pandas as pd

    from mlops.feature_store import open_store, require_applied
    from mlops.project import ProjectPaths, mlflow_tracking_uri
    from training.evaluation import Gate
    from training.model import TrainingConfig
    from training.pipeline import run_training

    try:
        gate = Gate(metric=gate_metric, threshold=gate_threshold)
        config = TrainingConfig(num_boost_round=num_boost_round, holdout_share=holdout_share)
    except ValueError as error:
        fail(str(error))
    path = transactions or ProjectPaths.from_env().transactions
    if not path.exists():
        fail(f"no transactions at {path}: run `mlops data generate` first")
    try:
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
            progress=info,
        )
    except (CommandError, ValueError) as error:
        fail(str(error))
    metrics = outcome.metrics
    info("holdout: " + " ".join(f"{name}={value:.4f}" for name, value in metrics.as_dict().items()))
    registered = outcome.registered
    info(f"registered {registered.name} version {registered.version} (run {registered.run_id})")
    if registered.promoted:
        info(f"promoted {registered.name} version {registered.version} to production")
    elif promote:
        fail(f"not promoted: {outcome.verdict.describe()}")
    if not outcome.verdict.passed:
        raise typer.Exit(1)
