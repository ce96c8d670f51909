"""Counting what a Feast ``materialize`` call hands to, and writes into, the online store.

Feast returns nothing from ``materialize``. Its local compute engine reads the window's
latest row per entity from the offline store and passes them in batches to the online
store's ``online_write_batch``; wrapping that method on the store's own instance for the
duration of one call counts them without changing Feast's write path:

- ``rows_read``: rows Feast read for the window (after its latest-per-entity dedup);
- ``rows_written``: rows that passed the Redis store's timestamp check and were written.
  The Redis store reports each skipped row as ``progress(1)`` and then the written ones as
  one final ``progress(len(results))`` (two results per row when keys get a TTL);
- ``newest_event``: newest event timestamp handed to the store.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feast import FeatureStore

from core.feast_adapter import wrapped_online_write


@dataclass
class WriteCount:
    rows_read: int = 0
    rows_written: int = 0
    newest_event: float | None = None


@contextmanager
def counting_writes(store: FeatureStore) -> Iterator[WriteCount]:
    count = WriteCount()
    per_row_results = 2 if getattr(store.config.online_store, "key_ttl_seconds", None) else 1

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(config: Any, table: Any, data: list[Any], progress: Callable[[int], Any] | None) -> None:
            calls: list[int] = []
            original(config, table, data, calls.append)
            count.rows_read += len(data)
            if calls:
                count.rows_written += calls[-1] // per_row_results
            newest = max((_epoch(row[2]) for row in data), default=None)
            if newest is not None:
                count.newest_event = newest if count.newest_event is None else max(count.newest_event, newest)
            if progress is not None:
                progress(len(data))

        return counted

    with wrapped_online_write(store, wrap):
        yield count


def _epoch(moment: datetime) -> float:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.timestamp()
