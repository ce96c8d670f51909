"""``mlops materialize run`` through Feast's Spark offline store and compute engine leaves Redis as the local engine.

What Feast's Spark path needs (found here): the view's source must be a ``SparkSource``
(Feast's Spark offline store asserts it; the project's ``FileSource`` is refused), and the
Parquet it reads must hold microsecond timestamps: pandas writes nanoseconds, which Spark 4
refuses (``PARQUET_TYPE_ILLEGAL: Illegal Parquet type: INT64 (TIMESTAMP(NANOS,true))``).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from feast import FeatureStore, FeatureView
from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import SparkSource
from typer.testing import CliRunner

from feature_repo.customer_stats import customer_stats
from feature_repo.entities import customer
from mlops.main import app
from tests.conftest import DATA_END, SESSION_DIR
from tests.materialization.conftest import ProjectFactory, iso, online_rows
from upstream.generate import GeneratedData

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPARK_YAML = """\
project: {project}
provider: local
registry: {registry}
online_store:
  type: redis
  connection_string: "${{REDIS_CONNECTION_STRING}}"
offline_store:
  type: spark
  spark_conf:
    spark.master: "local[2]"
    spark.sql.session.timeZone: "UTC"
batch_engine:
  type: spark.engine
  partitions: 2
entity_key_serialization_version: 3
"""


def _spark_project(name: str, generated_data: GeneratedData) -> FeatureStore:
    """The project's view over a ``SparkSource`` holding the same snapshots (microsecond timestamps)."""
    folder = SESSION_DIR / "materialization" / name
    folder.mkdir(parents=True, exist_ok=True)
    snapshots = generated_data.customer_stats.astype(
        {"event_timestamp": "datetime64[us, UTC]", "created_timestamp": "datetime64[us, UTC]"}
    )
    snapshots.to_parquet(folder / "customer_stats.parquet", index=False)
    (folder / "feature_store.yaml").write_text(SPARK_YAML.format(project=name, registry=folder / "registry.db"))
    (folder / "materialization.yaml").write_text("chunk_span: 40d\n")  # one window: a Spark job per window
    source = SparkSource(
        name="customer_stats_spark_source",
        path=str(folder / "customer_stats.parquet"),
        file_format="parquet",
        timestamp_field="event_timestamp",
        created_timestamp_column="created_timestamp",
    )
    view = FeatureView(
        name=customer_stats.name,
        entities=[customer],
        ttl=customer_stats.ttl,
        schema=customer_stats.schema,
        online=True,
        source=source,
    )
    store = FeatureStore(repo_path=str(folder))
    store.apply([customer, view])
    return store


def _materialize(store: FeatureStore, start: datetime, end: datetime, tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("MLOPS_FEAST_REPO", str(store.repo_path))
    mp.setenv("MLOPS_MATERIALIZATION_DB", str(tmp_path / f"{store.project}.db"))
    result = CliRunner().invoke(app, ["materialize", "run", "--start", iso(start), "--end", iso(end), "--json"])
    assert result.exit_code == 0, result.output


def test_spark_compute_engine_writes_the_same_online_rows_as_the_local_engine(
    spark: object,
    make_project: ProjectFactory,
    redis_client: redis.Redis,
    generated_data: GeneratedData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start, end = DATA_END - timedelta(days=30), datetime.now(UTC).replace(microsecond=0)
    _materialize(make_project("mat_local_engine"), start, end, tmp_path, monkeypatch)
    _materialize(_spark_project("mat_spark_engine", generated_data), start, end, tmp_path, monkeypatch)

    expected = online_rows(redis_client, "mat_local_engine")
    assert len(expected) == generated_data.customer_stats["customer_id"].nunique()
    actual = online_rows(redis_client, "mat_spark_engine")
    assert actual.keys() == expected.keys()
    assert actual == expected  # every field: the four features and the view's event timestamp
