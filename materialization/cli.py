"""``mlops materialize``: keep the online store current."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlops.console import CommandError, fail, info

if TYPE_CHECKING:
    from feast import FeatureStore

    from materialization.settings import MaterializationSettings

app = typer.Typer(help="Materialize offline features into the Redis online store.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="materialization.yaml (default: beside feature_store.yaml).")
]
ViewsOption = Annotated[
    list[str] | None, typer.Option("--view", "--views", help="Feature view to materialize (repeatable).")
]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def load_or_fail(config: Path | None) -> "MaterializationSettings":
    from materialization.settings import load_settings

    try:
        return load_settings(config)
    except ValueError as error:
        fail(f"configuration: {error}")


def open_checked_store(views: list[str] | None) -> "FeatureStore":
    """The Feast store, with ``views`` checked against its registry (CommandError otherwise)."""
    from mlops.feature_store import open_store

    store = open_store()
    known = {view.name for view in store.list_feature_views()}
    if not known:
        raise CommandError("no feature views in the registry: run `feast apply` first")
    unknown = sorted(set(views or []) - known)
    if unknown:
        raise CommandError(f"unknown feature view(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return store


@app.command("run")
def run_command(
    end: Annotated[datetime | None, typer.Option(help="End of the window (UTC); default: now.")] = None,
    start: Annotated[
        datetime | None, typer.Option(help="Start of a full-range backfill; default: incremental.")
    ] = None,
    backfill_days: Annotated[
        float | None, typer.Option(min=0.0, help="Backfill this many days before --end (instead of --start).")
    ] = None,
    backfill: Annotated[
        tuple[datetime, datetime] | None,
        typer.Option(help="Backfill the full range START END (UTC).", metavar="START END"),
    ] = None,
    views: ViewsOption = None,
    config: ConfigOption = None,
    chunk_rows: Annotated[
        int | None, typer.Option(min=1, help="Source rows per Feast call (overrides config).")
    ] = None,
    alert: Annotated[
        bool, typer.Option("--alert", help="Evaluate freshness and alert rules after the run (CronJob mode).")
    ] = False,
) -> None:
    """Materialize feature views through Feast in bounded windows (incrementally unless a start is given)."""
    from materialization.jobs import ChunkDone, JobOptions, run_materialization
    from materialization.records import RunLog

    settings = load_or_fail(config)
    end_at = _aware(end) or datetime.now(UTC)
    start_at = _aware(start)
    choices = (("--start", start), ("--backfill-days", backfill_days), ("--backfill", backfill))
    given = [name for name, value in choices if value is not None]
    if len(given) > 1:
        fail(f"give only one of {', '.join(given)}")
    if backfill is not None:
        start_at, end_at = _aware(backfill[0]), _aware(backfill[1]) or end_at
    if backfill_days is not None:
        start_at = end_at - timedelta(days=backfill_days)
    if start_at is not None and start_at >= end_at:
        fail(f"start ({start_at.isoformat()}) must be before end ({end_at.isoformat()})")
    options = JobOptions(
        overlap=settings.overlap,
        chunk_rows=chunk_rows or settings.chunk_rows,
        chunk_span=settings.chunk_span,
        retries=settings.retries,
        retry_backoff=settings.retry_backoff,
    )

    def progress(chunk: ChunkDone) -> None:
        info(
            f"{chunk.view}: window {chunk.index + 1}/{chunk.total} up to "
            f"{datetime.fromtimestamp(chunk.window[1], UTC).isoformat()}: "
            f"{chunk.rows_read:,} rows read, {chunk.rows_written:,} written"
        )

    try:
        store = open_checked_store(views)
        outcomes = run_materialization(store, RunLog(), end_at, start_at, views, options, on_chunk=progress)
    except CommandError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot record runs: {error}")
    if alert:
        _alert_after_run(store, settings, views)
    failed = [outcome for outcome in outcomes if outcome.status != "success"]
    for outcome in outcomes:
        info(
            f"{outcome.view}: {outcome.status}, {outcome.rows_read:,} rows read, {outcome.rows_written:,} written"
            f" (run {outcome.run_id})" + (f": {outcome.error}" if outcome.error else "")
        )
    if failed:
        fail(f"materialization failed for {', '.join(outcome.view for outcome in failed)}")
    info(f"materialized {', '.join(outcome.view for outcome in outcomes)} up to {end_at.isoformat()}")


def _alert_after_run(store: "FeatureStore", settings: "MaterializationSettings", views: list[str] | None) -> None:
    from redis.exceptions import RedisError

    from materialization.evaluation import default_sinks, evaluate
    from materialization.records import RunLog

    try:
        result = evaluate(store, RunLog(), settings, default_sinks(settings.alerts), None, views)
    except (RedisError, ValueError) as error:
        typer.echo(f"warning: alerts not evaluated: {error}", err=True)
        return
    for notification in result.sent:
        info(f"alert {notification.status.value}: {notification.alert.fingerprint}")
    for problem in result.delivery_errors:
        typer.echo(f"warning: alert not delivered: {problem}", err=True)


@app.command("history")
def history_command(
    view: Annotated[str | None, typer.Option(help="Only this feature view.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest runs to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """List recorded runs, newest first: window, rows read and written, duration, status, error."""
    import dataclasses
    import json

    from materialization.history_table import history_table
    from materialization.records import RunLog

    records = RunLog().history(view, limit)
    if as_json:
        for record in records:
            info(json.dumps(dataclasses.asdict(record)))
        return
    info(history_table(records) if records else "no runs recorded")


@app.command("schedule")
def schedule_command(
    config: ConfigOption = None,
    views: ViewsOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics here (overrides config; 0 disables).")
    ] = None,
    interval: Annotated[str | None, typer.Option(help="Run every INTERVAL, e.g. 15m (overrides config).")] = None,
    cron: Annotated[str | None, typer.Option(help="Run on this crontab expression, UTC (overrides config).")] = None,
) -> None:
    """Run the jobs on the configured interval or cron expression until SIGTERM."""
    from dataclasses import replace

    from materialization.durations import parse_duration
    from materialization.scheduler import run_scheduler
    from materialization.settings import validate_cron

    settings = load_or_fail(config)
    if interval is not None and cron is not None:
        fail("give either --interval or --cron, not both")
    try:
        if interval is not None:
            settings = replace(settings, interval=parse_duration(interval), cron=None)
        if cron is not None:
            validate_cron(cron)
            settings = replace(settings, interval=None, cron=cron)
    except ValueError as error:
        fail(f"--interval/--cron: {error}")
    try:
        store = open_checked_store(views)
        known = {view.name for view in store.list_feature_views()}
        unknown = sorted(set(settings.sla_overrides) - known)
        if unknown:
            raise CommandError(f"configuration: SLA for unknown feature view(s): {', '.join(unknown)}")
        run_scheduler(store, settings, views, metrics_port)
    except CommandError as error:
        fail(str(error))
