"""``mlops monitor``: scheduled checks of the live model (drift of recent predictions, accuracy).

Both commands print what they found, export gauges for Prometheus (``--textfile`` for
node_exporter's textfile collector, ``--pushgateway``), and exit 1 when their alert holds,
2 when the input is unusable, so cron or Airflow can act on the status alone.
"""

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from mlops.console import CommandError, fail, info

app = typer.Typer(
    help="Check the production model: drift of recent predictions, accuracy on delayed labels.",
    no_args_is_help=True,
)

EXIT_ALERT = 1
EXIT_BAD_INPUT = 2
LogDir = Annotated[Path | None, typer.Option(help="Prediction log folder; default: the data folder's.")]
Textfile = Annotated[Path | None, typer.Option(help="Write gauges here (node_exporter textfile collector).")]
Pushgateway = Annotated[str | None, typer.Option(help="Push gauges to this Pushgateway (host:port).")]
ModelName = Annotated[str, typer.Option("--model", help="Registered model name.")]


def _log_dir(log_dir: Path | None) -> Path:
    from mlops.project import ProjectPaths

    return log_dir or ProjectPaths.from_env().predictions


@app.command("run")
def run_command(
    hours: Annotated[float, typer.Option(min=0.01, help="Compare the predictions of the last N hours.")] = 24.0,
    log_dir: LogDir = None,
    model: ModelName = "fraud_detector",
    alias: Annotated[str, typer.Option(help="Alias of the version to check.")] = "production",
    ks_threshold: Annotated[float, typer.Option(help="A feature drifts when its KS statistic exceeds this.")] = 0.15,
    psi_threshold: Annotated[float, typer.Option(help="... or when its PSI exceeds this.")] = 0.2,
    textfile: Textfile = None,
    pushgateway: Pushgateway = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the drift report as JSON.")] = False,
) -> None:
    """Drift of the last N hours of predictions against the production model's training profile."""
    from mlops.project import mlflow_tracking_uri
    from monitoring.drift_watch import watch_drift
    from monitoring.gauges import publish
    from monitoring.reference_profile import ProfileUnavailableError
    from monitoring.report_text import render_json, render_table
    from monitoring.tables import DriftInputError

    try:
        watch = watch_drift(
            log_dir=_log_dir(log_dir),
            hours=hours,
            tracking_uri=mlflow_tracking_uri(),
            model_name=model,
            alias=alias,
            ks_threshold=ks_threshold,
            psi_threshold=psi_threshold,
        )
        destinations = publish(watch.registry(), "mlops_monitor_drift", textfile, pushgateway)
    except (DriftInputError, ProfileUnavailableError, CommandError) as error:
        fail(str(error), EXIT_BAD_INPUT)
    if as_json:
        info(render_json(watch.report))
    else:
        info(f"{watch.predictions:,} predictions of {watch.model_name} v{watch.model_version}, last {hours:g} h")
        info(render_table(watch.report))
        for feature in watch.absent:
            info(f"{feature}: no value in any prediction of the window")
        for destination in destinations:
            info(f"gauges written to {destination}")
    if watch.drifted_features:
        typer.secho(
            f"ALERT: drift in {', '.join(watch.drifted_features)} (KS > {ks_threshold} or PSI > {psi_threshold})",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(EXIT_ALERT)


@app.command("accuracy")
def accuracy_command(
    labels: Annotated[Path, typer.Option(help="Delayed labels (.parquet or .csv): request_id or customer_id + time.")],
    log_dir: LogDir = None,
    model: ModelName = "fraud_detector",
    label_column: Annotated[str, typer.Option(help="Label column (1 = fraud).")] = "is_fraud",
    window_hours: Annotated[float, typer.Option(min=0.01, help="Window length in hours.")] = 24.0,
    days: Annotated[float, typer.Option(min=0.01, help="Read predictions of the last N days.")] = 30.0,
    tolerance_seconds: Annotated[float, typer.Option(help="Max gap for a customer + time join.")] = 60.0,
    max_drop: Annotated[float, typer.Option(help="Alert when AUC falls more than this share.")] = 0.05,
    textfile: Textfile = None,
    pushgateway: Pushgateway = None,
) -> None:
    """AUC and F1 per window on delayed labels, against each version's recorded evaluation."""
    from datetime import UTC, datetime

    from mlops.project import mlflow_tracking_uri
    from monitoring.accuracy import join_labels, recorded_evaluations, window_accuracy
    from monitoring.accuracy_report import accuracy_registry, render_accuracy
    from monitoring.gauges import publish
    from monitoring.prediction_logs import read_predictions
    from monitoring.tables import DriftInputError, read_table

    try:
        label_frame = read_table(labels)
        predictions = read_predictions(_log_dir(log_dir), datetime.now(UTC) - timedelta(days=days))
        joined, how = join_labels(predictions, label_frame, label_column, timedelta(seconds=tolerance_seconds))
        versions = sorted({str(version) for version in joined["model_version"]})
        references = recorded_evaluations(mlflow_tracking_uri(), model, versions)
        windows = window_accuracy(joined, label_column, timedelta(hours=window_hours), references)
        destinations = publish(accuracy_registry(model, windows), "mlops_monitor_accuracy", textfile, pushgateway)
    except (DriftInputError, CommandError) as error:
        fail(str(error), EXIT_BAD_INPUT)
    info(f"{len(joined):,} of {len(label_frame):,} labels joined by {how}")
    info(render_accuracy(windows))
    for destination in destinations:
        info(f"gauges written to {destination}")
    latest = {window.model_version: window for window in windows}
    dropped = [w for w in latest.values() if w.auc_drop is not None and w.auc_drop > max_drop]
    if dropped:
        listed = ", ".join(f"v{w.model_version} AUC {w.auc:.4f} vs {w.reference_auc:.4f}" for w in dropped)
        typer.secho(f"ALERT: accuracy dropped more than {max_drop:.0%}: {listed}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_ALERT)
