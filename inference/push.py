"""Push ingestion: validate a Feast ``/push`` body against its push source, then write through Feast.

The write is Feast's own push (``FeatureStore.push_async`` for ``to: online``, an async
Redis pipeline on the event loop, where the Feast installed has it; ``FeatureStore.push`` in a
thread otherwise and for the offline modes), so the bytes in Redis (and the rows appended to
the batch source) are exactly what Feast writes. Like Feast, the registry comes from its cache
unless the body says ``allow_registry_cache: false`` (Feast still re-reads a file registry when
the file changes, so a ``feast apply`` is seen on the next push). What Feast does not do is check the rows
first: ``feast serve`` writes what it can and fails half-way or stores a wrong type. Here
every column is checked against the schema of the feature views the push source feeds
before anything is written, and a failure names the column.
"""

import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from feast import FeatureStore, FeatureView
from feast.data_source import PushMode, PushSource
from feast.types import Float32, Float64, Int32, Int64
from starlette.concurrency import run_in_threadpool

from core.feast_adapter import writes_online_async

_INT_LIMITS = {Int64: 2**63, Int32: 2**31}
_FLOATS = (Float32, Float64)
TIMESTAMP = "timestamp"
_MODES = {"online": PushMode.ONLINE, "offline": PushMode.OFFLINE, "online_and_offline": PushMode.ONLINE_AND_OFFLINE}
_offline_lock = threading.Lock()
"""Feast appends to a file source by rewriting it; two concurrent appends would lose rows."""


class PushRejected(ValueError):
    """A push that must not be written; ``field`` names the offending part of the body."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.status = status


@dataclass(frozen=True)
class PushSchema:
    """Columns a push source takes: name -> Feast type, or :data:`TIMESTAMP`."""

    source: str
    columns: dict[str, Any]


def push_schema(store: FeatureStore, push_source_name: str, allow_cache: bool = True) -> PushSchema:
    """The union of the columns of every feature view fed by ``push_source_name``."""
    listed = [*store.list_feature_views(allow_cache=allow_cache), *store.list_stream_feature_views(allow_cache)]
    views: list[FeatureView] = [
        view
        for view in listed
        if isinstance(view.stream_source, PushSource) and view.stream_source.name == push_source_name
    ]
    if not views:
        raise PushRejected("push_source_name", f"no feature view is fed by push source {push_source_name!r}", 404)
    columns: dict[str, Any] = {}
    for view in views:
        for field in [*view.entity_columns, *view.features]:
            columns[field.name] = field.dtype
        batch = view.stream_source.batch_source  # type: ignore[union-attr]  # a PushSource, checked above
        columns[batch.timestamp_field] = TIMESTAMP
        if batch.created_timestamp_column:
            columns[batch.created_timestamp_column] = TIMESTAMP
    return PushSchema(push_source_name, columns)


def push_mode(to: str) -> PushMode:
    if to not in _MODES:
        raise PushRejected("to", f"must be one of {sorted(_MODES)}, got {to!r}")
    return _MODES[to]


def validated_frame(schema: PushSchema, df: dict[str, list[Any]]) -> pd.DataFrame:
    """A typed DataFrame of the rows, or PushRejected naming the first bad column."""
    unknown = sorted(set(df) - set(schema.columns))
    if unknown:
        raise PushRejected(f"df.{unknown[0]}", f"push source {schema.source} has no column {unknown[0]!r}")
    missing = [name for name in schema.columns if name not in df]
    if missing:
        raise PushRejected(f"df.{missing[0]}", f"missing columns {', '.join(missing)}")
    lengths = {len(values) for values in df.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise PushRejected("df", "columns must be non-empty lists of one length")
    columns = {name: _column(name, kind, df[name]) for name, kind in schema.columns.items()}
    return pd.DataFrame(columns)


def _column(name: str, kind: Any, values: list[Any]) -> Any:
    for row, value in enumerate(values):
        problem = _problem(kind, value)
        if problem:
            raise PushRejected(f"df.{name}", f"row {row}: {problem}, got {value!r}")
    if kind is TIMESTAMP:
        return pd.to_datetime([_timestamp(v) for v in values], utc=True)
    if kind in _FLOATS:
        return pd.Series([float(v) for v in values], dtype="float64")
    return pd.Series(values, dtype="int64" if kind is Int64 else "int32")


def _problem(kind: Any, value: Any) -> str | None:
    if kind is TIMESTAMP:
        if isinstance(value, str):
            try:
                _timestamp(value)
                return None
            except ValueError:
                pass
        return "expected an ISO 8601 timestamp"
    if isinstance(value, bool) or value is None:
        return f"expected {kind}"
    if kind in _INT_LIMITS:
        limit = _INT_LIMITS[kind]
        return None if isinstance(value, int) and -limit <= value < limit else f"expected {kind}"
    if kind in _FLOATS:
        return None if isinstance(value, int | float) and math.isfinite(value) else f"expected a finite {kind}"
    return f"type {kind} is not supported by this endpoint"


def _timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _write_blocking(store: FeatureStore, source: str, frame: pd.DataFrame, mode: PushMode, cached: bool) -> None:
    if mode is PushMode.ONLINE:
        store.push(source, frame, allow_registry_cache=cached, to=mode)
        return
    with _offline_lock:
        store.push(source, frame, allow_registry_cache=cached, to=mode)


async def write(store: FeatureStore, source: str, frame: pd.DataFrame, mode: PushMode, cached: bool = True) -> None:
    """Feast's own push path: ``push_async`` for ``to: online`` (no thread), ``push`` in a thread otherwise.

    ``push_async`` skips what ``push`` does after the write for feature services marked
    ``precompute_online`` (none here: the shipped services read the views directly). A Feast
    without ``push_async``, or an online store without async writes, gets the blocking push.
    """
    if mode is PushMode.ONLINE and writes_online_async(store):
        await store.push_async(source, frame, allow_registry_cache=cached, to=mode)
        return
    await run_in_threadpool(_write_blocking, store, source, frame, mode, cached)
