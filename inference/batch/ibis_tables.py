"""Releasing what Feast's DuckDB offline store leaves in ibis's default connection after each join.

Feast 0.67's ibis path turns the entity frame into an ``ibis.memtable`` and each file source
into an ``ibis.read_parquet`` view on ibis's process-wide DuckDB connection, and nothing
drops them: ibis's DuckDB backend registers a memtable as a view over the Arrow data and
its finalizer is a no-op, so the connection keeps every chunk's entity frame alive for the
whole run (measured: two new catalog entries per ``get_historical_features`` call, and RSS
growing with the number of rows scored). Batch scoring calls the join once per chunk, so it
drops the entries each call created once the result is in hand.
"""

import contextlib
from collections.abc import Iterator
from typing import Any

IBIS_PREFIX = "ibis_"


def catalog_names(con: Any) -> set[str]:
    """Names of the views and tables in the connection (memtables show as views)."""
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    tables = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    return {str(name) for (name,) in views + tables}


@contextlib.contextmanager
def released_ibis_tables() -> Iterator[None]:
    """Drop the ibis memtables and views created inside the block from ibis's default DuckDB connection."""
    import ibis

    con = ibis.get_backend().con
    before = catalog_names(con)
    try:
        yield
    finally:
        for name in sorted(catalog_names(con) - before):
            if name.startswith(IBIS_PREFIX):
                con.unregister(name)  # a registered Arrow object (the entity memtable)
                con.execute(f'DROP VIEW IF EXISTS "{name}"')  # a view made in SQL (a read_parquet source)
