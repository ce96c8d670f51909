"""The prediction log: every prediction written to rotating Parquet files, off the request path.

A request only appends a small dict to a bounded in-memory buffer (about a microsecond);
a background thread turns the buffer into Arrow row groups and appends them to the open
Parquet file, which is closed and renamed into place every ``rotate_seconds`` or
``rotate_rows``. Readers (``mlops monitor``) only ever see complete ``*.parquet`` files.
When the disk is slower than the traffic the buffer fills and new records are dropped and
counted (``prediction_log_dropped_total``): memory stays bounded and requests never wait.

Each worker process writes its own files (the pid is in the name), so no locking is needed
across workers. The log is the "current" side of drift checks and the join target for
delayed labels (by ``request_id``, or by ``customer_id`` and time).
"""

import logging
import os
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import Depends, Request

from inference.metrics import PREDICTION_LOG_DROPPED, PREDICTION_LOG_WRITTEN, record_model, record_predictions
from inference.request_context import request_id_var
from inference.schemas import PredictResponse
from inference.settings import ServiceSettings

if TYPE_CHECKING:
    from inference.variants import Routed

logger = logging.getLogger("inference.prediction_log")

TEXT_COLUMNS = frozenset({"request_id", "model_name", "model_version", "variant", "canary_error"}) | frozenset(
    {"shadow_version", "shadow_error"}
)
"""Columns that hold text: typed as strings even in a file where every value is null."""


class RecordSink(Protocol):
    """Where prediction records go: the log itself, or the shadow scorer in front of it."""

    def submit(self, record: dict[str, Any]) -> None: ...


WRITE_CHUNK_ROWS = 2_000
"""Records turned into Arrow per step. ``Table.from_pylist`` holds the GIL throughout, so one
second of batch traffic (~20k records) converted at once stalled every request for ~100 ms;
2,000 at a time bounds the stall to a few ms, and the writer yields between steps."""


class PredictionLog:
    """Bounded buffer plus a writer thread; ``submit`` never blocks and never raises."""

    def __init__(
        self,
        folder: Path,
        max_buffered: int = 100_000,
        flush_seconds: float = 1.0,
        rotate_seconds: float = 300.0,
        rotate_rows: int = 500_000,
    ) -> None:
        self.folder = folder
        self._buffer: deque[dict[str, Any]] = deque()
        self._max_buffered = max_buffered
        self._flush_seconds = flush_seconds
        self._rotate_seconds = rotate_seconds
        self._rotate_rows = rotate_rows
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._writer: pq.ParquetWriter | None = None
        self._open_path: Path | None = None
        self._opened_at = 0.0
        self._rows_in_file = 0
        self._sequence = 0
        self.dropped = 0

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def submit(self, record: dict[str, Any]) -> None:
        if len(self._buffer) >= self._max_buffered:
            self.dropped += 1
            PREDICTION_LOG_DROPPED.inc()
            return
        self._buffer.append(record)

    def stop(self) -> None:
        """Write what is buffered and close the open file (called by the lifespan on shutdown)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            self._flush_safely()
        self._flush_safely()
        self._close_file()

    def _flush_safely(self) -> None:
        try:
            while self._flush():
                time.sleep(0)  # let the event loop thread run between chunks
        except Exception:  # a full disk must not kill the thread; the buffer bound keeps memory safe
            logger.exception("prediction log write failed")

    def _flush(self) -> bool:
        """Write up to one file's worth of buffered records; True if records remain."""
        if self._writer is not None and time.monotonic() - self._opened_at >= self._rotate_seconds:
            self._close_file()
        records: list[dict[str, Any]] = []
        limit = min(WRITE_CHUNK_ROWS, self._rotate_rows - self._rows_in_file)
        while self._buffer and len(records) < limit:
            records.append(self._buffer.popleft())
        if not records:
            return False
        table = _typed(_table(records))
        if self._writer is not None and not self._writer.schema.equals(table.schema):
            self._close_file()  # a new file per schema (a feature added by a new model version)
        if self._writer is None:
            self._open_file(table.schema)
        assert self._writer is not None
        self._writer.write_table(table)
        self._rows_in_file += table.num_rows
        PREDICTION_LOG_WRITTEN.inc(table.num_rows)
        if self._rows_in_file >= self._rotate_rows:
            self._close_file()
        return bool(self._buffer)

    def _open_file(self, schema: pa.Schema) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self._sequence += 1
        self._open_path = self.folder / f"predictions-{stamp}-{os.getpid()}-{self._sequence:05d}.parquet.tmp"
        self._writer = pq.ParquetWriter(self._open_path, schema)
        self._opened_at = time.monotonic()
        self._rows_in_file = 0

    def _close_file(self) -> None:
        if self._writer is None or self._open_path is None:
            return
        self._writer.close()
        self._open_path.rename(self._open_path.with_suffix(""))  # drop ".tmp": now complete and readable
        self._writer, self._open_path, self._rows_in_file = None, None, 0


def _table(records: list[dict[str, Any]]) -> pa.Table:
    """The records as a table with every column any of them has.

    ``from_pylist`` takes the columns of the first record only: a canary on another feature
    service logs columns production's records lack, which would be dropped.
    """
    if len(set().union(*records)) == len(records[0]):
        return pa.Table.from_pylist(records)
    columns = dict.fromkeys(name for record in records for name in record)
    return pa.Table.from_pydict({name: [record.get(name) for record in records] for name in columns})


def _typed(table: pa.Table) -> pa.Table:
    """Columns that were null in every record get their real type, so the file schema stays stable."""
    fields = [
        pa.field(field.name, pa.string() if _is_text(field.name) else pa.float64())
        if pa.types.is_null(field.type)
        else field
        for field in table.schema
    ]
    return table.cast(pa.schema(fields))


def _is_text(column: str) -> bool:
    return column.startswith("status__") or column in TEXT_COLUMNS


def prediction_record(
    *,
    request_id: str,
    customer_id: int,
    model_name: str,
    model_version: str,
    probability: float,
    features: dict[str, float | None],
    statuses: dict[str, str],
    variant: str = "production",
    score_ms: float | None = None,
    canary_error: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """One log row: features as columns of their own, statuses as ``status__<feature>``.

    Every row has the rollout columns (null outside a rollout), so one file keeps one schema;
    the shadow scorer fills ``shadow_*`` before the row reaches the log.
    """
    record: dict[str, Any] = {
        "timestamp": timestamp or datetime.now(UTC),
        "request_id": request_id,
        "customer_id": customer_id,
        "model_name": model_name,
        "model_version": model_version,
        "score": probability,
        "variant": variant,
        "score_ms": score_ms,
        "canary_error": canary_error,
        "shadow_version": None,
        "shadow_score": None,
        "shadow_error": None,
    }
    record.update(features)
    record.update({f"status__{name}": status for name, status in statuses.items()})
    return record


def observe_predictions(
    responses: list[PredictResponse],
    log: RecordSink | None,
    *,
    single: bool,
    routed: "list[Routed] | None" = None,
    extra_features: list[dict[str, float | None]] | None = None,
) -> None:
    """Metrics for every prediction, and a log record each (batch items get ``<request id>-<index>``).

    ``extra_features``: per response, inputs of a shadow on another feature service, logged beside production's.
    """
    request_id = request_id_var.get()
    for name, version in {(r.model_name, r.model_version) for r in responses if r.variant == "production"}:
        record_model(name, version)
    for variant in {response.variant for response in responses}:
        answered = [response for response in responses if response.variant == variant]
        statuses: Counter[tuple[str, str]] = Counter(item for r in answered for item in r.feature_status.items())
        record_predictions([response.probability for response in answered], statuses, variant)
    if log is None:
        return
    now = datetime.now(UTC)  # one clock read per request: a batch is one moment
    for index, response in enumerate(responses):
        answer = routed[index] if routed is not None else None
        log.submit(
            prediction_record(
                timestamp=now,
                request_id=request_id if single else f"{request_id}-{index}",
                customer_id=response.customer_id,
                model_name=response.model_name,
                model_version=response.model_version,
                probability=response.probability,
                features=response.features if extra_features is None else response.features | extra_features[index],
                statuses={name: str(status) for name, status in response.feature_status.items()},
                variant=response.variant,
                score_ms=answer.score_ms if answer else None,
                canary_error=answer.canary_error if answer else None,
            )
        )


async def get_prediction_log(request: Request) -> RecordSink | None:
    """The shadow scorer while a shadow runs (it forwards to the log), else the log itself."""
    shadow = getattr(request.app.state, "shadow", None)
    if shadow is not None and shadow.active:
        sink: RecordSink = shadow
        return sink
    log: PredictionLog | None = getattr(request.app.state, "prediction_log", None)
    return log


PredictionLogDep = Annotated[RecordSink | None, Depends(get_prediction_log)]


def start_prediction_log(settings: ServiceSettings) -> PredictionLog | None:
    """The running log for this worker, or None when ``MLOPS_PREDICTION_LOG_DIR`` is empty."""
    if settings.prediction_log_dir is None:
        return None
    log = PredictionLog(
        settings.prediction_log_dir,
        max_buffered=settings.prediction_log_buffer,
        rotate_seconds=settings.prediction_log_rotate_seconds,
    )
    log.start()
    return log
