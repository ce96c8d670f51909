"""``mlops materialize``: keep the online store current."""

import contextlib
import enum
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.durations import parse_duration
from core.errors import UserError


class Engine(enum.StrEnum):
    """``mlops materialize run --engine`` (mirrors ``materialization.settings.ENGINES``)."""

    direct = "direct"
    feast = "feast"


if TYPE_CHECKING:
    from feast import FeatureStore

    from materialization.jobs import ChunkDone, ViewOutcome
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
        raise UserError(f"configuration: {error}") from error


def open_checked_store(views: list[str] | None) -> "FeatureStore":
    """The Feast store, with ``views`` checked against its registry (UserError otherwise)."""
    from core.feature_store import open_store

    store = open_store()
    known = {view.name for view in store.list_feature_views()}
    if not known:
        raise UserError("no feature views in the registry: run `feast apply` first")
    unknown = sorted(set(views or []) - known)
    if unknown:
        raise UserError(f"unknown feature view(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return store


@app.command("run")
def run_command(
    end: Annotated[datetime | None, typer.Option(help="End of the window (UTC); default: now.")] = None,
    start: Annotated[
        datetime | None, typer.Option(help="Start of a full-range backfill; default: incremental.")
    ] = None,
    backfill_span: Annotated[
        timedelta | None,
        typer.Option(
            parser=parse_duration, metavar="<duration>", help="Backfill this span before --end, e.g. 31d or 12h."
        ),
    ] = None,
    backfill_days: Annotated[
        float | None, typer.Option(min=0.0, help="Same as --backfill-span Nd (kept for existing scripts).")
    ] = None,
    backfill: Annotated[
        tuple[datetime, datetime] | None,
        typer.Option(help="Backfill the full range START END (UTC).", metavar="START END"),
    ] = None,
    views: ViewsOption = None,
    config: ConfigOption = None,
    chunk_rows: Annotated[
        int | None,
        typer.Option(
            min=1, help="Source rows per Feast call (--engine feast) or entities per part (direct; overrides config)."
        ),
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option(
            help="direct: latest row per entity once, each entity written once; feast: Feast per time window"
            " (overrides config; default direct).",
        ),
    ] = None,
    alert: Annotated[
        bool, typer.Option("--alert", help="Evaluate freshness and alert rules after the run (CronJob mode).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document at the end; progress goes to stderr.")
    ] = False,
) -> None:
    """Materialize feature views into the online store (incrementally unless a start is given)."""
    from materialization.jobs import ChunkDone, JobOptions, run_materialization
    from materialization.records import RunLog

    settings = load_or_fail(config)
    end_at = _aware(end) or datetime.now(UTC)
    start_at = _aware(start)
    starts = {
        "--start": start,
        "--backfill-span": backfill_span,
        "--backfill-days": backfill_days,
        "--backfill": backfill,
    }
    given = [name for name, value in starts.items() if value is not None]
    if len(given) > 1:
        raise UserError(f"give only one of {', '.join(given)}")
    if backfill is not None:
        start_at, end_at = _aware(backfill[0]), _aware(backfill[1]) or end_at
    if backfill_days is not None:
        backfill_span = timedelta(days=backfill_days)
    if backfill_span is not None:
        start_at = end_at - backfill_span
    if start_at is not None and start_at >= end_at:
        raise UserError(f"start ({start_at.isoformat()}) must be before end ({end_at.isoformat()})")
    options = JobOptions(
        overlap=settings.overlap,
        chunk_rows=chunk_rows or settings.chunk_rows,
        chunk_span=settings.chunk_span,
        retries=settings.retries,
        retry_backoff=settings.retry_backoff,
        engine=engine.value if engine else settings.engine,
    )
    chunks: list[ChunkDone] = []

    def progress(chunk: ChunkDone) -> None:
        chunks.append(chunk)
        typer.echo(
            f"{chunk.view}: window {chunk.index + 1}/{chunk.total} up to {_iso(chunk.window[1])}: "
            f"{chunk.rows_read:,} rows read, {chunk.rows_written:,} written",
            err=as_json,
        )

    # Feast prints its own progress to stdout; with --json stdout holds the document alone.
    feast_output = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    try:
        with feast_output:
            store = open_checked_store(views)
            outcomes = run_materialization(store, RunLog(), end_at, start_at, views, options, on_chunk=progress)
    except OSError as error:
        raise UserError(f"cannot record runs: {error}") from error
    sent = _alert_after_run(store, settings, views) if alert else None
    failed = [outcome for outcome in outcomes if outcome.status != "success"]
    if as_json:
        typer.echo(json.dumps(_run_json(start_at, end_at, outcomes, chunks, sent), indent=2))
    else:
        for status, fingerprint in sent or []:
            typer.echo(f"alert {status}: {fingerprint}")
        for outcome in outcomes:
            typer.echo(
                f"{outcome.view}: {outcome.status}, {outcome.rows_read:,} rows read, {outcome.rows_written:,} written"
                f" (run {outcome.run_id})" + (f": {outcome.error}" if outcome.error else "")
            )
    if failed:
        raise UserError(f"materialization failed for {', '.join(outcome.view for outcome in failed)}")
    if not as_json:
        typer.echo(f"materialized {', '.join(outcome.view for outcome in outcomes)} up to {end_at.isoformat()}")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _run_json(
    start_at: datetime | None,
    end_at: datetime,
    outcomes: "list[ViewOutcome]",
    chunks: "list[ChunkDone]",
    alerts: list[tuple[str, str]] | None,
) -> dict[str, object]:
    """The run as one document: per view its outcome and the windows it went through."""
    return {
        "start": start_at.isoformat() if start_at else None,
        "end": end_at.isoformat(),
        "views": [
            {
                "view": outcome.view,
                "status": outcome.status,
                "run_id": outcome.run_id,
                "window_start": _iso(outcome.window[0]),
                "window_end": _iso(outcome.window[1]),
                "rows_read": outcome.rows_read,
                "rows_written": outcome.rows_written,
                "attempts": outcome.attempts,
                "error": outcome.error,
                "windows": [
                    {
                        "index": chunk.index + 1,
                        "total": chunk.total,
                        "window_end": _iso(chunk.window[1]),
                        "rows_read": chunk.rows_read,
                        "rows_written": chunk.rows_written,
                    }
                    for chunk in chunks
                    if chunk.view == outcome.view
                ],
            }
            for outcome in outcomes
        ],
        "alerts": None if alerts is None else [{"status": s, "fingerprint": f} for s, f in alerts],
    }


def _alert_after_run(
    store: "FeatureStore", settings: "MaterializationSettings", views: list[str] | None
) -> list[tuple[str, str]] | None:
    """(status, fingerprint) of each notification sent; None when the rules could not be evaluated."""
    from redis.exceptions import RedisError

    from materialization.evaluation import default_sinks, evaluate
    from materialization.records import RunLog

    try:
        result = evaluate(store, RunLog(), settings, default_sinks(settings.alerts), None, views)
    except (RedisError, ValueError) as error:
        typer.echo(f"warning: alerts not evaluated: {error}", err=True)
        return None
    for problem in result.delivery_errors:
        typer.echo(f"warning: alert not delivered: {problem}", err=True)
    return [(notification.status.value, notification.alert.fingerprint) for notification in result.sent]


@app.command("history")
def history_command(
    view: Annotated[str | None, typer.Option(help="Only this feature view.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest runs to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
) -> None:
    """List recorded runs, newest first: window, rows read and written, duration, status, error."""
    import dataclasses

    from materialization.history_table import history_table
    from materialization.records import RunLog

    records = RunLog().history(view, limit)
    if as_json:
        typer.echo(json.dumps([dataclasses.asdict(record) for record in records], indent=2))
        return
    typer.echo(history_table(records) if records else "no runs recorded")


@app.command("schedule")
def schedule_command(
    config: ConfigOption = None,
    views: ViewsOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics here (overrides config; 0 disables).")
    ] = None,
    interval: Annotated[
        timedelta | None,
        typer.Option(parser=parse_duration, metavar="<duration>", help="Run this often, e.g. 15m (overrides config)."),
    ] = None,
    cron: Annotated[str | None, typer.Option(help="Run on this crontab expression, UTC (overrides config).")] = None,
) -> None:
    """Run the jobs on the configured interval or cron expression until SIGTERM."""
    from dataclasses import replace

    from materialization.scheduler import run_scheduler
    from materialization.settings import validate_cron

    settings = load_or_fail(config)
    if interval is not None and cron is not None:
        raise UserError("give either --interval or --cron, not both")
    if interval is not None:
        settings = replace(settings, interval=interval, cron=None)
    if cron is not None:
        try:
            validate_cron(cron)
        except ValueError as error:
            raise UserError(f"--cron: {error}") from error
        settings = replace(settings, interval=None, cron=cron)
    store = open_checked_store(views)
    known = {view.name for view in store.list_feature_views()}
    unknown = sorted(set(settings.sla_overrides) - known)
    if unknown:
        raise UserError(f"configuration: SLA for unknown feature view(s): {', '.join(unknown)}")
    run_scheduler(store, settings, views, metrics_port)
