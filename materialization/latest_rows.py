"""The latest row per entity over a whole materialization range, computed once with DuckDB.

Feast's local engine (0.67) pulls *every* source row of the range into memory, sorts it
with pandas and keeps the first row per entity, so both its time and its memory grow with
the length of history; our windowed engine bounds the memory but writes an entity once
per window. Here DuckDB reads the Parquet files and keeps one row per entity, the newest
by event timestamp then created timestamp (Feast's dedup order), over the same inclusive
``[start, end]`` range Feast filters on (``CAST(ts AS TIMESTAMP)`` against naive UTC bounds,
as its ibis query does). The range is cut into parts by a hash of the entity key, not by
time, so each part holds whole entities: a part's result is final and is written once,
and a part's memory is bounded by the rows it reads rather than by the history length.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from feast import FeatureStore, FeatureView, FileSource

from core.feast_adapter import source_columns
from materialization.source_stats import FileSourceStats


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class LatestRows:
    files: str
    join_keys: tuple[str, ...]
    features: tuple[str, ...]
    timestamp_field: str
    created_timestamp_field: str | None
    field_mapping: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, store: FeatureStore, view: FeatureView) -> "LatestRows | None":
        """The query for ``view``, or None when Feast's engine must do it (see ``direct_unsupported``)."""
        if direct_unsupported(store, view) is not None:
            return None
        stats = FileSourceStats.of(view, Path(store.repo_path))
        if stats is None:
            return None
        join_keys, features, timestamp_field, created = source_columns(store, view)
        mapping = tuple(view.batch_source.field_mapping.items()) if view.batch_source else ()
        return cls(stats.files, tuple(join_keys), tuple(features), timestamp_field, created or None, mapping)

    def parts(self, start: float, end: float, entities_per_part: int) -> int:
        """How many entity parts keep each part within ``entities_per_part`` entities (DuckDB's estimate)."""
        keys = ", ".join(_quoted(key) for key in self.join_keys)
        rows = self._run(
            f"SELECT approx_count_distinct(hash({keys})) FROM read_parquet($files) WHERE {{in_range}}", start, end
        )
        return max(1, math.ceil(int(rows.column(0)[0].as_py() or 0) / entities_per_part))

    def part(self, start: float, end: float, index: int, parts: int) -> pa.Table:
        """The newest row of every entity whose key hashes into part ``index`` of ``parts``.

        ``arg_max`` is a streaming aggregate: DuckDB keeps one row per entity of the part, so
        memory follows the part's entities, not the history's rows. Its ordering key packs the
        event timestamp (nanoseconds) above the created timestamp, a missing created timestamp
        lowest, which is Feast's descending sort with nulls last.
        """
        keys = ", ".join(_quoted(key) for key in self.join_keys)
        values = [*self.features, self.timestamp_field]
        order = f"epoch_ns(CAST({_quoted(self.timestamp_field)} AS TIMESTAMP_NS))::HUGEINT * {1 << 64}"
        if self.created_timestamp_field:
            values.append(self.created_timestamp_field)
            created = f"epoch_ns(CAST({_quoted(self.created_timestamp_field)} AS TIMESTAMP_NS))"
            order += f" + coalesce({created}, {-(1 << 63)})::HUGEINT"
        packed = ", ".join(f"{_quoted(name)} := {_quoted(name)}" for name in values)
        in_part = f" AND hash({keys}) % {parts} = {index}" if parts > 1 else ""
        return self._run(
            f"SELECT {keys}, unnest(arg_max(struct_pack({packed}), {order})) FROM read_parquet($files)"
            f" WHERE {{in_range}}{in_part} GROUP BY {keys}",
            start,
            end,
        )

    def _run(self, sql: str, start: float, end: float) -> pa.Table:
        """Run ``sql`` with Feast's range filter: ``CAST(ts AS TIMESTAMP)`` within naive UTC bounds, inclusive."""
        ts = f"CAST({_quoted(self.timestamp_field)} AS TIMESTAMP)"
        params = {"files": self.files, "start": _naive(start), "end": _naive(end)}
        with duckdb.connect() as db:
            db.execute("SET TimeZone = 'UTC'")
            table = db.sql(sql.format(in_range=f"{ts} >= $start AND {ts} <= $end"), params=params).to_arrow_table()
        mapping = dict(self.field_mapping)
        return table.rename_columns([mapping.get(name, name) for name in table.column_names]) if mapping else table


def direct_unsupported(store: FeatureStore, view: FeatureView) -> str | None:
    """Why the direct engine cannot materialize ``view`` exactly as Feast would (None: it can).

    Anything beyond a plain feature view over local Parquet files read by Feast's DuckDB
    offline store into Redis with its local engine (transformations, aggregations, filters,
    an offline write-back, entity-less views, another store or a configured compute engine
    such as Spark) goes through Feast, whose semantics there we have not pinned.
    """
    source = view.batch_source
    config = store.config
    engine = config.batch_engine_config
    if getattr(config.offline_store, "type", None) != "duckdb" or getattr(config.online_store, "type", None) != "redis":
        return "the repository's stores are not DuckDB offline and Redis online"
    if (engine if isinstance(engine, str) else getattr(engine, "type", "local")) != "local":
        return f"the repository configures Feast's {engine!r} compute engine"
    if type(view) is not FeatureView:
        return f"{type(view).__name__} has transformations Feast applies"
    if not isinstance(source, FileSource) or not source.path or "://" in source.path:
        return "its source is not local Parquet files"
    if getattr(view, "filter", None) or getattr(view, "aggregations", None):
        return "it has a filter or aggregations"
    if getattr(view, "offline", False):
        return "Feast also writes it back to the offline store"
    if not view.entity_columns:
        return "it has no entity key"
    return None


def _naive(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
