"""Materialization jobs: per view, by the direct engine or in bounded windows through Feast.

The default engine (``materialization.direct``) computes the latest row per entity over the
whole range once and writes each entity once through Feast's own write path; views it cannot
do exactly as Feast would, and ``engine: feast``, take the windowed path below. There every
window goes through ``FeatureStore.materialize`` so that Feast's write path, its
registry bookkeeping and the Redis store's timestamp check (an older event never replaces a
newer one) all apply; rerunning a window is therefore harmless. A window is recorded only
after Feast has written it, so a run killed at any point resumes where it stopped. This is
the one job function that the CLI, the scheduler, the Kubernetes CronJob and the Airflow
DAG all call.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feast import FeatureStore, FeatureView

from materialization.direct import DirectRun
from materialization.latest_rows import LatestRows, direct_unsupported
from materialization.records import RunLog
from materialization.source_stats import FileSourceStats
from materialization.windows import EPSILON, Window, windows_by_rows, windows_by_span
from materialization.write_counter import counting_writes

logger = logging.getLogger(__name__)

HISTOGRAM_BIN_SECONDS = 3600.0


@dataclass(frozen=True)
class JobOptions:
    overlap: timedelta = timedelta(hours=2)
    chunk_rows: int = 1_000_000
    chunk_span: timedelta = timedelta(days=1)
    retries: int = 2
    retry_backoff: timedelta = timedelta(seconds=2)
    engine: str = "direct"
    """``direct`` (each entity once, ``materialization.direct``) or ``feast`` (Feast per time window)."""


@dataclass(frozen=True)
class ChunkDone:
    view: str
    window: Window
    index: int
    total: int
    rows_read: int
    rows_written: int


@dataclass(frozen=True)
class ViewOutcome:
    view: str
    run_id: int
    status: str
    """success, failed or interrupted."""
    window: Window
    rows_read: int
    rows_written: int
    attempts: int
    error: str | None = None


def run_materialization(
    store: FeatureStore,
    log: RunLog,
    end: datetime,
    start: datetime | None = None,
    views: list[str] | None = None,
    options: JobOptions | None = None,
    stop: threading.Event | None = None,
    on_chunk: Callable[[ChunkDone], None] | None = None,
) -> list[ViewOutcome]:
    """Materialize each view up to ``end`` (from ``start`` for a backfill, else incrementally).

    A view that keeps failing after its retries is recorded as failed and the next view
    still runs. ``stop`` (set on SIGTERM) ends the run after the window in progress.
    """
    options = options or JobOptions()
    stop = stop or threading.Event()
    selected = views or [view.name for view in store.list_feature_views() if view.online]
    outcomes = []
    for name in selected:
        if stop.is_set():
            break
        outcomes.append(_run_view(store, log, name, end, start, options, stop, on_chunk))
    return outcomes


def _run_view(
    store: FeatureStore,
    log: RunLog,
    name: str,
    end: datetime,
    start: datetime | None,
    options: JobOptions,
    stop: threading.Event,
    on_chunk: Callable[[ChunkDone], None] | None,
) -> ViewOutcome:
    view = store.get_feature_view(name)
    kind = "backfill" if start is not None else "incremental"
    window_end = end.timestamp()
    window_start = start.timestamp() if start is not None else _incremental_start(view, log, end, options.overlap)
    resume_from = window_start
    if start is not None:
        done = log.completed_until(name, window_start, window_end)
        resume_from = done + EPSILON if done is not None else window_start
        log.abandon_unfinished(name, (window_start, window_end))
    run_id = log.start_run(name, kind, window_start, window_end)
    if options.engine == "direct":
        try:
            query = LatestRows.of(store, view)
        except Exception as error:  # the registry or the source's schema unreadable: fail this view only
            return _fail(log, run_id, name, (window_start, window_end), 0, 0, 1, error)
        if query is not None:
            resume_of = (window_start, window_end) if start is not None else None
            return _run_direct(
                store, log, view, query, run_id, (resume_from, window_end), resume_of, options, stop, on_chunk
            )
        logger.info(
            "view %s goes through Feast's engine: %s", name, direct_unsupported(store, view) or "no local source"
        )
    read = written = 0
    attempts = 1
    try:
        windows = _plan(store, view, resume_from, window_end, options)
    except Exception as error:  # an unreadable source fails this view, not the run
        return _fail(log, run_id, name, (window_start, window_end), 0, 0, 1, error)
    for index, window in enumerate(windows):
        if stop.is_set():
            log.finish_run(run_id, "interrupted", attempts, "stopped before the next window")
            return ViewOutcome(name, run_id, "interrupted", (window_start, window_end), read, written, attempts)
        for attempt in range(options.retries + 1):
            attempts = max(attempts, attempt + 1)
            try:
                with counting_writes(store) as count:
                    store.materialize(start_date=_utc(window[0]), end_date=_utc(window[1]), feature_views=[name])
                break
            except Exception as error:  # Redis down, Feast or source errors: retry, then record
                if attempt == options.retries:
                    return _fail(log, run_id, name, (window_start, window_end), read, written, attempts, error)
                delay = options.retry_backoff.total_seconds() * 2**attempt
                logger.warning(
                    "view %s window %d/%d failed (%s); retrying in %.1fs", name, index + 1, len(windows), error, delay
                )
                if stop.wait(delay):
                    return _fail(log, run_id, name, (window_start, window_end), read, written, attempts, error)
        log.record_chunk(run_id, name, window[0], window[1], count.rows_read, count.rows_written, count.newest_event)
        read += count.rows_read
        written += count.rows_written
        if on_chunk is not None:
            on_chunk(ChunkDone(name, window, index, len(windows), count.rows_read, count.rows_written))
    log.finish_run(run_id, "success", attempts)
    return ViewOutcome(name, run_id, "success", (window_start, window_end), read, written, attempts)


def _run_direct(
    store: FeatureStore,
    log: RunLog,
    view: FeatureView,
    query: LatestRows,
    run_id: int,
    window: Window,
    resume_of: Window | None,
    options: JobOptions,
    stop: threading.Event,
    on_chunk: Callable[[ChunkDone], None] | None,
) -> ViewOutcome:
    def part_done(index: int, parts: int, read: int, written: int) -> None:
        if on_chunk is not None:
            on_chunk(ChunkDone(view.name, window, index, parts, read, written))

    run = DirectRun(store, log, view, query, run_id, options.chunk_rows, options.retries, options.retry_backoff, stop)
    try:
        result = run(window[0], window[1], resume_of, part_done)
    except Exception as error:  # an unreadable source fails this view, not the run
        return _fail(log, run_id, view.name, window, 0, 0, 1, error)
    if result.status == "failed":
        assert result.error is not None
        return _fail(
            log, run_id, view.name, window, result.rows_read, result.rows_written, result.attempts, result.error
        )
    note = "stopped before the next part" if result.status == "interrupted" else None
    log.finish_run(run_id, result.status, result.attempts, note)
    return ViewOutcome(view.name, run_id, result.status, window, result.rows_read, result.rows_written, result.attempts)


def _fail(
    log: RunLog, run_id: int, name: str, window: Window, read: int, written: int, attempts: int, error: BaseException
) -> ViewOutcome:
    message = f"{type(error).__name__}: {error}".strip()[:2000]
    log.finish_run(run_id, "failed", attempts, message)
    logger.error("materialization of %s failed after %d attempt(s): %s", name, attempts, message)
    return ViewOutcome(name, run_id, "failed", window, read, written, attempts, message)


def _incremental_start(view: FeatureView, log: RunLog, end: datetime, overlap: timedelta) -> float:
    """Where the last run (ours or ``feast materialize``) stopped, minus the overlap; as Feast if never run."""
    reached = log.last_chunk_end(view.name)
    feast_end = view.most_recent_end_time.timestamp() if view.most_recent_end_time else None
    candidates = [moment for moment in (reached, feast_end) if moment is not None]
    if candidates:
        return min(max(candidates) - overlap.total_seconds(), end.timestamp() - EPSILON)
    if view.ttl:
        return (end - view.ttl).timestamp()
    return 0.0


def _plan(store: FeatureStore, view: FeatureView, start: float, end: float, options: JobOptions) -> list[Window]:
    stats = FileSourceStats.of(view, Path(store.repo_path))
    if stats is None:
        return windows_by_span(start, end, options.chunk_span.total_seconds())
    bins = stats.histogram(start, end, HISTOGRAM_BIN_SECONDS)
    return windows_by_rows(start, end, bins, options.chunk_rows)


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
