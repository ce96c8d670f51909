"""The direct engine: each entity written once per run, from DuckDB's latest row per entity.

Instead of one Feast ``materialize`` call per time window (every window re-reads, converts
and writes the same entities again), the whole range is split into entity parts; each part's
newest rows come from DuckDB (``latest_rows``) and go to Redis through Feast's own
conversion and ``online_write_batch`` (``core.feast_adapter.write_latest_rows``), so keys,
fields, values and the "never replace a newer event" check are Feast's. A part is recorded
only after Redis has it, so a killed or interrupted backfill resumes at the next part; the
whole range gets one chunk row and one Feast registry interval at the end, as a windowed
run leaves per window, so incremental starts, freshness and ``feast materialize-incremental``
see no difference between the engines.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from feast import FeatureStore, FeatureView

from core.feast_adapter import write_latest_rows
from materialization.latest_rows import LatestRows
from materialization.records import RunLog
from materialization.write_counter import counting_writes

logger = logging.getLogger(__name__)

PartDone = Callable[[int, int, int, int], None]
"""Called with (part index, parts, rows read, rows written) after each part is in Redis."""


@dataclass(frozen=True)
class DirectResult:
    status: str
    """success, failed or interrupted."""
    rows_read: int
    rows_written: int
    attempts: int
    error: BaseException | None = None


@dataclass(frozen=True)
class DirectRun:
    store: FeatureStore
    log: RunLog
    view: FeatureView
    query: LatestRows
    run_id: int
    rows_per_part: int
    retries: int
    retry_backoff: timedelta
    stop: threading.Event

    def __call__(
        self, start: float, end: float, resume_of: tuple[float, float] | None, on_part: PartDone
    ) -> DirectResult:
        """Materialize ``[start, end]``; ``resume_of`` is the backfill window whose finished parts to skip."""
        name = self.view.name
        parts = self.query.parts(start, end, self.rows_per_part)
        done = self.log.parts_done(name, *resume_of, parts) if resume_of is not None else set()
        read = written = 0
        attempts = 1
        for part in range(parts):
            if part in done:
                continue
            if self.stop.is_set():
                return DirectResult("interrupted", read, written, attempts)
            for attempt in range(self.retries + 1):
                attempts = max(attempts, attempt + 1)
                try:
                    rows = self.query.part(start, end, part, parts)
                    with counting_writes(self.store) as count:
                        write_latest_rows(self.store, self.view, rows)
                    break
                except Exception as error:  # Redis down, source unreadable: retry, then record
                    if attempt == self.retries:
                        return DirectResult("failed", read, written, attempts, error)
                    delay = self.retry_backoff.total_seconds() * 2**attempt
                    logger.warning(
                        "view %s part %d/%d failed (%s); retrying in %.1fs", name, part + 1, parts, error, delay
                    )
                    if self.stop.wait(delay):
                        return DirectResult("failed", read, written, attempts, error)
            self.log.record_part(
                self.run_id, name, part, parts, count.rows_read, count.rows_written, count.newest_event
            )
            read += count.rows_read
            written += count.rows_written
            on_part(part, parts, count.rows_read, count.rows_written)
        self.log.record_window(self.run_id, name, start, end)
        self.store.registry.apply_materialization(self.view, self.store.project, _utc(start), _utc(end))
        return DirectResult("success", read, written, attempts)


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
