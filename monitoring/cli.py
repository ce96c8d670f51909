"""``mlops monitor``: scheduled checks of the live model (drift of recent predictions, accuracy).

Both commands print what they found, export gauges for Prometheus (``--textfile`` for
node_exporter's textfile collector, ``--pushgateway``), and exit 1 when their alert holds,
2 when the input is unusable, so cron or Airflow can act on the status alone.
"""

import json
import math
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from core.durations import format_duration, parse_duration
from core.errors import UserError
from core.names import MODEL_NAME

if TYPE_CHECKING:
    from monitoring.accuracy import WindowAccuracy

app = typer.Typer(
    help="Check the production model: drift of recent predictions, accuracy on delayed labels.",
    no_args_is_help=True,
)

EXIT_ALERT = 1
EXIT_BAD_INPUT = 2
Alias = Literal["production", "staging", "archived"]
"""The aliases the registry gives versions (core.names: PRODUCTION, STAGING, ARCHIVED)."""
LogDir = Annotated[Path | None, typer.Option(help="Prediction log folder; default: the data folder's.")]
Textfile = Annotated[Path | None, typer.Option(help="Write gauges here (node_exporter textfile collector).")]
Pushgateway = Annotated[str | None, typer.Option(help="Push gauges to this Pushgateway (host:port).")]
ModelName = Annotated[str, typer.Option("--model", help="Registered model name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]


def _duration_option(help_text: str) -> Any:  # typer.Option is typed as returning Any
    return typer.Option(parser=parse_duration, metavar="<duration>", help=help_text)


Last = Annotated[timedelta | None, _duration_option("Read the predictions of this span before now, e.g. 6h or 7d.")]


def _log_dir(log_dir: Path | None) -> Path:
    from core.paths import ProjectPaths

    return log_dir or ProjectPaths.from_env().predictions


def _span(new: tuple[str, timedelta | None], old: tuple[str, timedelta | None], default: timedelta) -> timedelta:
    """The duration option, or the number option it superseded (kept so existing scripts still run)."""
    if new[1] is not None and old[1] is not None:
        raise UserError(f"give either {new[0]} or {old[0]}, not both", EXIT_BAD_INPUT)
    given = new[1] if new[1] is not None else old[1]
    return default if given is None else given


def _hours(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(hours=value)


@app.command("run")
def run_command(
    last: Last = None,
    hours: Annotated[
        float | None, typer.Option(min=0.01, help="Same as --last Nh (kept for existing scripts); default: 24h.")
    ] = None,
    log_dir: LogDir = None,
    model: ModelName = MODEL_NAME,
    alias: Annotated[Alias, typer.Option(help="Alias of the version to check.")] = "production",
    ks_threshold: Annotated[float, typer.Option(help="A feature drifts when its KS statistic exceeds this.")] = 0.15,
    psi_threshold: Annotated[float, typer.Option(help="... or when its PSI exceeds this.")] = 0.2,
    textfile: Textfile = None,
    pushgateway: Pushgateway = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the drift report as JSON, with the model, window and alert.")
    ] = False,
) -> None:
    """Drift of recent predictions (default: the last 24h) against the production model's training profile."""
    from core.paths import mlflow_tracking_uri
    from monitoring.drift_watch import watch_drift
    from monitoring.gauges import publish
    from monitoring.report_text import render_json, render_table
    from monitoring.tables import DriftInputError
    from registry.reference_profile import ProfileUnavailableError

    window = _span(("--last", last), ("--hours", _hours(hours)), timedelta(hours=24))
    try:
        watch = watch_drift(
            log_dir=_log_dir(log_dir),
            hours=window.total_seconds() / 3600,
            tracking_uri=mlflow_tracking_uri(),
            model_name=model,
            alias=alias,
            ks_threshold=ks_threshold,
            psi_threshold=psi_threshold,
        )
        destinations = publish(watch.registry(), "mlops_monitor_drift", textfile, pushgateway)
    except (DriftInputError, ProfileUnavailableError, UserError) as error:
        raise UserError(str(error), EXIT_BAD_INPUT) from error
    if as_json:
        report = json.loads(render_json(watch.report))  # the `mlops drift --json` document, NaN as null
        report.update(
            model_name=watch.model_name,
            model_version=watch.model_version,
            alias=alias,
            predictions=watch.predictions,
            window_seconds=window.total_seconds(),
            ks_threshold=ks_threshold,
            psi_threshold=psi_threshold,
            absent_features=watch.absent,
            alert_features=watch.drifted_features,
            gauges_written_to=destinations,
        )
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(
            f"{watch.predictions:,} predictions of {watch.model_name} v{watch.model_version}, "
            f"last {format_duration(window)}"
        )
        typer.echo(render_table(watch.report))
        for feature in watch.absent:
            typer.echo(f"{feature}: no value in any prediction of the window")
        for destination in destinations:
            typer.echo(f"gauges written to {destination}")
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
    model: ModelName = MODEL_NAME,
    label_column: Annotated[str, typer.Option(help="Label column (1 = fraud).")] = "is_fraud",
    window: Annotated[timedelta | None, _duration_option("Window length, e.g. 1h or 1d; default: 24h.")] = None,
    last: Annotated[
        timedelta | None, _duration_option("Read the predictions of this span before now; default: 30d.")
    ] = None,
    tolerance: Annotated[
        timedelta | None, _duration_option("Max gap for a customer + time join, e.g. 30s; default: 1m.")
    ] = None,
    window_hours: Annotated[
        float | None, typer.Option(min=0.01, help="Same as --window Nh (kept for existing scripts).")
    ] = None,
    days: Annotated[float | None, typer.Option(min=0.01, help="Same as --last Nd (kept for existing scripts).")] = None,
    tolerance_seconds: Annotated[
        float | None, typer.Option(min=0.0, help="Same as --tolerance Ns (kept for existing scripts).")
    ] = None,
    max_drop: Annotated[float, typer.Option(help="Alert when AUC falls more than this share.")] = 0.05,
    by_variant: Annotated[
        bool, typer.Option("--by-variant", help="Also A/B: AUC, precision, recall per rollout variant with 95% CIs.")
    ] = False,
    min_auc_difference: Annotated[
        float, typer.Option(min=0.0001, help="With --by-variant: AUC difference the sample-size estimate targets.")
    ] = 0.02,
    textfile: Textfile = None,
    pushgateway: Pushgateway = None,
    as_json: JsonOpt = False,
) -> None:
    """AUC and F1 per window on delayed labels, against each version's recorded evaluation."""
    from datetime import UTC, datetime

    from core.paths import mlflow_tracking_uri
    from monitoring.accuracy import join_labels, recorded_evaluations, window_accuracy
    from monitoring.accuracy_report import accuracy_registry, render_accuracy
    from monitoring.accuracy_variants import ab_report, render_ab
    from monitoring.gauges import publish
    from monitoring.prediction_logs import read_predictions
    from monitoring.tables import DriftInputError, read_table

    window_span = _span(("--window", window), ("--window-hours", _hours(window_hours)), timedelta(hours=24))
    read_span = _span(("--last", last), ("--days", None if days is None else timedelta(days=days)), timedelta(days=30))
    gap = None if tolerance_seconds is None else timedelta(seconds=tolerance_seconds)
    max_gap = _span(("--tolerance", tolerance), ("--tolerance-seconds", gap), timedelta(minutes=1))
    try:
        label_frame = read_table(labels)
        predictions = read_predictions(_log_dir(log_dir), datetime.now(UTC) - read_span)
        joined, how = join_labels(predictions, label_frame, label_column, max_gap)
        versions = sorted({str(version) for version in joined["model_version"]})
        references = recorded_evaluations(mlflow_tracking_uri(), model, versions)
        windows = window_accuracy(joined, label_column, window_span, references)
        destinations = publish(accuracy_registry(model, windows), "mlops_monitor_accuracy", textfile, pushgateway)
    except (DriftInputError, UserError) as error:
        raise UserError(str(error), EXIT_BAD_INPUT) from error
    ab = ab_report(joined, label_column, min_auc_difference) if by_variant else None
    latest = {w.model_version: w for w in windows}
    dropped = [w for w in latest.values() if w.auc_drop is not None and w.auc_drop > max_drop]
    if as_json:
        report = {
            "model_name": model,
            "labels": len(label_frame),
            "joined": len(joined),
            "joined_by": how,
            "window_seconds": window_span.total_seconds(),
            "max_drop": max_drop,
            "windows": [_window_json(w) for w in windows],
            "alert_versions": [w.model_version for w in dropped],
            "gauges_written_to": destinations,
        } | ({"by_variant": ab} if ab is not None else {})
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(f"{len(joined):,} of {len(label_frame):,} labels joined by {how}")
        typer.echo(render_accuracy(windows))
        if ab is not None:
            typer.echo(render_ab(ab))
        for destination in destinations:
            typer.echo(f"gauges written to {destination}")
    if dropped:
        listed = ", ".join(f"v{w.model_version} AUC {w.auc:.4f} vs {w.reference_auc:.4f}" for w in dropped)
        typer.secho(f"ALERT: accuracy dropped more than {max_drop:.0%}: {listed}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_ALERT)


def _window_json(window: "WindowAccuracy") -> dict[str, object]:
    return {
        "window_start": window.window_start.isoformat(),
        "model_version": window.model_version,
        "rows": int(window.rows),
        "positives": int(window.positives),
        "auc": _number(window.auc),
        "reference_auc": _number(window.reference_auc),
        "auc_drop": _number(window.auc_drop),
        "f1": _number(window.f1),
        "reference_f1": _number(window.reference_f1),
    }


def _number(value: float | None) -> float | None:
    """A plain float, or None where the value is undefined (JSON has no NaN)."""
    return None if value is None or math.isnan(value) else float(value)
