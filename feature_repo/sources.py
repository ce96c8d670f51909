"""Batch sources: where the offline store reads daily customer snapshots from.

The Parquet folder defaults to ``data/offline`` in this checkout and can be moved with
``MLOPS_DATA_DIR`` (tests and containers point it elsewhere); Feast resolves the path when
the definitions are applied.
"""

from feast import FileSource

from core.paths import ProjectPaths

customer_stats_source = FileSource(
    name="customer_stats_source",
    path=str(ProjectPaths.from_env().customer_stats),
    timestamp_field="event_timestamp",
    created_timestamp_column="created_timestamp",
    description="Daily snapshot of each customer's purchase statistics.",
    tags={"owner": "fraud-team"},
)
