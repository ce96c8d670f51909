"""The Spark engine: the point-in-time join in Spark SQL, the model applied per partition.

Feast's Spark offline store joins only ``SparkSource`` views, and the project's view reads
a ``FileSource``; so the join is written here in Spark SQL with Feast's rule (the DuckDB
store's, which training used): for each (customer, time) the newest source row with
``event_timestamp <= time`` and ``event_timestamp >= time - ttl``, ties broken by the newest
created timestamp. The partition function derives the request features and statuses with
the same functions as the local engine, so both engines write the same scores.
"""

import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.errors import UserError
from inference.batch.job import MAX_ENTITY_ID, BatchSummary, ScoringPlan
from inference.batch.output import EVENT_DATE, atomic_output
from inference.batch.source import CUSTOMER_ID
from inference.batch.spark_partition import (
    MODEL_NAME,
    MODEL_VERSION,
    PROBABILITY,
    TIME,
    feature_column,
    first_seen_column,
    partition_scorer,
)
from inference.batch.spark_session import read_frame, read_input, spark_session
from inference.batch.statuses import STATUSES, status_column
from inference.batch.views import ViewSource
from inference.settings import BatchSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


def run_spark(plan: ScoringPlan, progress: Callable[[int, int], None]) -> BatchSummary:
    started = time.perf_counter()
    session = spark_session(BatchSettings())
    rows = read_input(session, plan.input)
    input_columns = list(rows.columns)
    rows = rows.withColumn(TIME, rows[plan.request.timestamp_column].cast("timestamp"))
    check_rows(rows)
    joined = rows
    for view in plan.views:
        joined = join_view(session, joined, view)
    scorer = partition_scorer(plan.model, plan.views, input_columns)
    scored = joined.mapInPandas(scorer, schema=output_schema(rows, plan, input_columns))
    summary = BatchSummary(0, 0.0, plan.model.name, plan.model.version, "spark")
    with atomic_output(plan.request.output) as temporary:
        if plan.partitioned:
            by_date(scored, plan.request.timestamp_column).write.partitionBy(EVENT_DATE).parquet(str(temporary))
        else:
            scored.write.parquet(str(temporary))
        count_written(session, str(temporary), plan, summary)
    progress(summary.rows, plan.input.rows)
    summary.seconds = time.perf_counter() - started
    return summary


def by_date(scored: "DataFrame", timestamp_column: str) -> "DataFrame":
    """``scored`` plus the UTC event date the local engine partitions by (the session's time zone is UTC).

    Spark's writer drops the partition column from the files and writes one file per task and
    date, like the local writer's ``event_date=YYYY-MM-DD/`` folders but without input order.
    """
    from pyspark.sql import functions as F

    return scored.withColumn(EVENT_DATE, F.to_date(F.col(timestamp_column).cast("timestamp")))


def check_rows(rows: "DataFrame") -> None:
    """The local engine's per-chunk checks, in one aggregate pass: no null keys or times, int64 ids."""
    from pyspark.sql import functions as F

    stats = rows.agg(
        F.sum(F.col(CUSTOMER_ID).isNull().cast("long")).alias("null_ids"),
        F.sum(F.col(TIME).isNull().cast("long")).alias("null_times"),
        F.max(F.col(CUSTOMER_ID).cast("decimal(20,0)")).alias("max_id"),
    ).first()
    assert stats is not None
    if stats["null_ids"]:
        raise UserError(f"input column {CUSTOMER_ID} has {stats['null_ids']} null value(s)")
    if stats["null_times"]:
        raise UserError(f"input timestamp column has {stats['null_times']} null value(s)")
    if stats["max_id"] is not None and stats["max_id"] > MAX_ENTITY_ID:
        raise UserError(f"input column {CUSTOMER_ID} has ids of 2^63 or more (Feast keys are int64)")


def join_view(session: "SparkSession", rows: "DataFrame", view: ViewSource) -> "DataFrame":
    """``rows`` with the view's features as of each row's time (null past the TTL) and the first-seen time.

    An as-of join in one sort per customer, not a fan-out: source rows and the distinct
    (customer, time) requests are stacked, ordered by time with a source row before a request
    at the same instant (Feast's ``event_timestamp <= time``) and older created timestamps
    first, and each request takes the last source row before it (``last(ignorenulls)`` over a
    running window). Joining every request to all of its customer's earlier rows and ranking
    them cost a row per (request, snapshot) pair: ~7,800 rows/s at 1M rows on ``local[2]``.
    """
    import pyarrow.dataset as ds
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    source = read_frame(session, view.path, ds.dataset(view.path, format="parquet").schema, "parquet")
    created = F.col(view.created_timestamp_column) if view.created_timestamp_column else F.lit(None)
    names = [feature_column(f) for f in view.features]
    values = source.select(
        F.col(view.join_key).cast("long").alias("__key"),
        F.col(view.timestamp_field).cast("timestamp").alias("__t"),
        F.lit(0).alias("__kind"),
        created.cast("timestamp").alias("__created"),
        F.struct(
            F.col(view.timestamp_field).cast("timestamp").alias("__event"),
            *(F.col(f).alias(n) for f, n in zip(view.features, names, strict=True)),
        ).alias("__row"),
    )
    requests = rows.select(
        F.col(CUSTOMER_ID).cast("long").alias("__key"),
        F.col(TIME).alias("__t"),
        F.lit(1).alias("__kind"),
        F.lit(None).cast("timestamp").alias("__created"),
        F.lit(None).cast(values.schema["__row"].dataType).alias("__row"),
    ).distinct()
    customer = Window.partitionBy("__key")
    running = customer.orderBy("__t", "__kind", F.asc_nulls_first("__created")).rowsBetween(
        Window.unboundedPreceding, Window.currentRow
    )
    stacked = values.unionByName(requests).select(
        "__key",
        "__t",
        "__kind",
        F.last("__row", ignorenulls=True).over(running).alias("__latest"),
        F.min(F.when(F.col("__kind") == 0, F.col("__t"))).over(customer).alias(first_seen_column(view.name)),
    )
    current = F.col("__latest").isNotNull()
    if view.ttl is not None:
        ttl_micros = int(view.ttl.total_seconds() * 1_000_000)
        current &= F.unix_micros(F.col("__latest.__event")) >= F.unix_micros(F.col("__t")) - ttl_micros
    latest = stacked.where(F.col("__kind") == 1).select(
        "__key",
        F.col("__t").alias("__at"),
        first_seen_column(view.name),
        *(F.when(current, F.col(f"__latest.{n}")).alias(n) for n in names),
    )
    keyed = rows.withColumn("__key", F.col(CUSTOMER_ID).cast("long"))
    return (
        keyed.join(latest, (keyed["__key"] == latest["__key"]) & (keyed[TIME] == latest["__at"]), "left")
        .drop(latest["__key"])
        .drop("__at", "__key")
    )


def count_written(session: "SparkSession", path: str, plan: ScoringPlan, summary: BatchSummary) -> None:
    """Rows and per-status counts of what was written, in one pass over the status columns."""
    from pyspark.sql import functions as F

    written = session.read.parquet(path)
    columns = [status_column(f) for f in plan.feature_columns]
    aggregates = [F.count(F.lit(1)).alias("__rows")]
    aggregates += [
        F.sum((F.col(c) == status).cast("long")).alias(f"{c}:{status}") for c in columns for status in STATUSES
    ]
    result = written.agg(*aggregates).first()
    assert result is not None
    summary.rows = int(result["__rows"])
    for column in columns:
        counts = Counter({status: int(result[f"{column}:{status}"] or 0) for status in STATUSES})
        summary.statuses[column.removesuffix("_status")] = +counts  # drops zero counts, as the local engine has none


def output_schema(rows: "DataFrame", plan: ScoringPlan, input_columns: list[str]) -> "StructType":
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    fields = [rows.schema[c] for c in input_columns]
    fields += [StructField(PROBABILITY, DoubleType()), StructField(MODEL_NAME, StringType())]
    fields += [StructField(MODEL_VERSION, StringType())]
    fields += [StructField(status_column(f), StringType()) for f in plan.feature_columns]
    return StructType(fields)
