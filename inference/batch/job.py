"""A batch scoring run: check the input, load the model, join features as of each row, score, write.

The local engine joins each chunk through ``training.dataset.historical_features``, the
code path that built the model's training set, so a row scored here gets the score the
model gave it in training. The Spark engine (``inference.batch.spark_engine``) runs the
same job with the join in Spark SQL.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from feast import FeatureService, FeatureStore

from core.errors import UserError
from core.feature_store import require_applied
from inference.batch.ibis_tables import released_ibis_tables
from inference.batch.output import EVENT_DATE, PARTITION_ROWS, atomic_output, check_output, write_by_date, write_file
from inference.batch.source import AMOUNT, CUSTOMER_ID, BatchInput, open_input
from inference.batch.spark_partition import MODEL_NAME, MODEL_VERSION, PROBABILITY
from inference.batch.statuses import status_column, view_statuses
from inference.batch.views import ViewSource, first_seen, service_views
from inference.model import LoadedModel, ModelIncompatibleError, check_compatible
from training.dataset import feature_matrix, historical_features, service_features

MAX_ENTITY_ID = 2**63 - 1


@dataclass(frozen=True)
class BatchRequest:
    input: Path
    output: Path
    model_name: str
    model_version: str | None
    alias: str
    engine: str = "local"
    """``local`` or ``spark``."""
    chunk_rows: int = 200_000
    timestamp_column: str = "event_timestamp"
    partition_by_date: bool | None = None
    """Write a dataset partitioned by event date; ``None``: when the input has over ``PARTITION_ROWS`` rows."""


@dataclass
class BatchSummary:
    rows: int
    seconds: float
    model_name: str
    model_version: str
    engine: str
    statuses: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        counts = "; ".join(
            f"{feature} " + " ".join(f"{status}={count}" for status, count in sorted(counter.items()))
            for feature, counter in self.statuses.items()
        )
        return (
            f"scored {self.rows:,} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s) with "
            f"{self.model_name} version {self.model_version} on the {self.engine} engine; {counts}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "model_name": self.model_name,
            "model_version": self.model_version,
            "engine": self.engine,
            "statuses": {feature: dict(counter) for feature, counter in self.statuses.items()},
        }


@dataclass(frozen=True)
class ScoringPlan:
    """Everything a run needs, resolved and checked before the first row is scored."""

    request: BatchRequest
    input: BatchInput
    model: LoadedModel
    service: FeatureService
    views: list[ViewSource]

    @property
    def feature_columns(self) -> tuple[str, ...]:
        return tuple(feature for view in self.views for feature in view.features)

    @property
    def added_columns(self) -> tuple[str, ...]:
        return (PROBABILITY, MODEL_NAME, MODEL_VERSION, *(status_column(f) for f in self.feature_columns))

    @property
    def partitioned(self) -> bool:
        """Whether the output is a date-partitioned dataset (see ``inference.batch.output``)."""
        chosen = self.request.partition_by_date
        return self.input.rows > PARTITION_ROWS if chosen is None else chosen


def plan_run(request: BatchRequest, store: FeatureStore, load: Callable[[], LoadedModel]) -> ScoringPlan:
    batch_input = open_input(request.input, request.timestamp_column)
    check_output(request.output, request.input)
    model = load()
    require_applied(store, model.feature_service)
    service = store.get_feature_service(model.feature_service)
    try:
        check_compatible(model, service.name, service_features(service))
    except ModelIncompatibleError as error:
        raise UserError(str(error)) from error
    plan = ScoringPlan(request, batch_input, model, service, service_views(store, service))
    added = (*plan.added_columns, EVENT_DATE) if plan.partitioned else plan.added_columns
    clashes = [name for name in added if name in batch_input.schema.names]
    if clashes:
        raise UserError(f"input already has output column(s) {', '.join(clashes)}: rename them")
    return plan


def run_local(plan: ScoringPlan, store: FeatureStore, progress: Callable[[int, int], None]) -> BatchSummary:
    started = time.perf_counter()
    summary = BatchSummary(0, 0.0, plan.model.name, plan.model.version, "local")
    with atomic_output(plan.request.output) as temporary:
        if plan.partitioned:
            write_by_date(temporary, scored_chunks(plan, store, summary, progress), plan.request.timestamp_column)
        else:
            write_file(temporary, scored_chunks(plan, store, summary, progress))
    summary.seconds = time.perf_counter() - started
    return summary


def scored_chunks(
    plan: ScoringPlan, store: FeatureStore, summary: BatchSummary, progress: Callable[[int, int], None]
) -> Iterator[pa.Table]:
    """The input's chunks scored one at a time, counted into ``summary`` as they go."""
    seen = {view.name: first_seen(view) for view in plan.views}
    for chunk in plan.input.chunks(plan.request.chunk_rows):
        with released_ibis_tables():
            scored = score_chunk(plan, store, seen, chunk)
        count_statuses(summary, scored.select(list(plan.added_columns[3:])).to_pandas())
        summary.rows += chunk.num_rows
        progress(summary.rows, plan.input.rows)
        yield scored


def score_chunk(plan: ScoringPlan, store: FeatureStore, seen: dict[str, pd.Series], chunk: pa.Table) -> pa.Table:
    """The chunk's columns unchanged, then the score, the model and each feature's status."""
    entities = entity_frame(chunk, plan.request.timestamp_column)
    training_set = historical_features(store, entities, plan.service)
    probabilities = plan.model.booster.predict(feature_matrix(training_set))
    joined = training_set.frame
    statuses: dict[str, object] = {}
    for view in plan.views:
        first = seen[view.name].reindex(entities[CUSTOMER_ID].to_numpy())
        statuses |= view_statuses(joined.loc[:, list(view.features)], first, entities["event_timestamp"])
    added = {
        PROBABILITY: pa.array(probabilities, pa.float64()),
        MODEL_NAME: pa.array([plan.model.name] * chunk.num_rows, pa.string()),
        MODEL_VERSION: pa.array([plan.model.version] * chunk.num_rows, pa.string()),
        **{name: pa.array(values, pa.string()) for name, values in statuses.items()},
    }
    for name, values in added.items():
        chunk = chunk.append_column(name, values)
    return chunk


def entity_frame(chunk: pa.Table, timestamp_column: str) -> pd.DataFrame:
    """What the join needs from a chunk, under the names training used; nulls and oversized ids refused."""
    for name in (CUSTOMER_ID, timestamp_column):
        nulls = chunk[name].null_count
        if nulls:
            raise UserError(f"input column {name} has {nulls} null value(s)")
    ids = chunk[CUSTOMER_ID].to_numpy()
    if len(ids) and ids.max() > MAX_ENTITY_ID:
        raise UserError(f"input column {CUSTOMER_ID} has ids of 2^63 or more (Feast keys are int64)")
    amounts = chunk[AMOUNT].cast(pa.float64()).to_numpy(zero_copy_only=False)
    times = pd.to_datetime(chunk[timestamp_column].to_pandas(), utc=True)
    return pd.DataFrame({CUSTOMER_ID: ids.astype("int64"), "event_timestamp": times, AMOUNT: amounts})


def count_statuses(summary: BatchSummary, statuses: pd.DataFrame) -> None:
    for column in statuses.columns:
        feature = str(column).removesuffix("_status")
        counts = statuses[column].value_counts()
        summary.statuses.setdefault(feature, Counter()).update({str(k): int(v) for k, v in counts.items()})


def run(request: BatchRequest, progress: Callable[[int, int], None] = lambda _done, _total: None) -> BatchSummary:
    """The whole job for the CLI: open the Feast store and the registry, plan, then run the chosen engine."""
    from core.feature_store import open_store
    from core.paths import mlflow_tracking_uri
    from inference.batch.model_choice import resolve_model

    store = open_store()
    plan = plan_run(
        request,
        store,
        lambda: resolve_model(
            mlflow_tracking_uri(), request.model_name, version=request.model_version, alias=request.alias
        ),
    )
    if request.engine == "spark":
        from inference.batch.spark_engine import run_spark

        return run_spark(plan, progress)
    return run_local(plan, store, progress)
