"""``mlops score batch --engine spark`` (PySpark local mode) writes what the local engine writes."""

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from tests.inference.batch_inputs import error_lines, score, transactions_with_extras
from tests.pit_oracle import FEATURES
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROWS = 200_000


def _many_rows(data: GeneratedData, rows: int) -> pd.DataFrame:
    """Random (customer, time) pairs over the data's span and past it: present, stale and missing all occur."""
    rng = np.random.default_rng(5)
    snapshots = data.customer_stats
    start, end = snapshots["event_timestamp"].min(), snapshots["event_timestamp"].max()
    customers = rng.integers(1, int(snapshots["customer_id"].max()) + 200, size=rows)
    offsets = rng.integers(0, int((end - start + timedelta(days=4)).total_seconds() * 1e6), size=rows)
    return pd.DataFrame(
        {
            "txn_id": np.arange(rows, dtype=np.int64),
            "customer_id": customers.astype(np.int64),
            "event_timestamp": start + pd.to_timedelta(offsets, unit="us") - timedelta(days=1),
            "amount": np.round(rng.lognormal(4, 1, size=rows), 2),
            "channel": rng.choice(["web", "app", "pos"], size=rows),
        }
    )


def test_spark_output_equals_local_output_row_for_row(
    tmp_path: Path, spark: object, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    rows = _many_rows(generated_data, ROWS)
    rows.to_parquet(tmp_path / "in.parquet", index=False, row_group_size=50_000)
    version = trained_model.registered.version
    common = ("--input", tmp_path / "in.parquet", "--model-version", version)
    local = score(*common, "--output", tmp_path / "local.parquet", "--chunk-rows", "100000")
    assert local.exit_code == 0, local.output
    on_spark = score(*common, "--output", tmp_path / "spark", "--engine", "spark")
    assert on_spark.exit_code == 0, on_spark.output
    assert f"scored {ROWS:,} rows in " in on_spark.stdout and "on the spark engine" in on_spark.stdout

    expected = pd.read_parquet(tmp_path / "local.parquet")
    actual = pd.read_parquet(tmp_path / "spark").sort_values("txn_id", ignore_index=True)
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == ROWS and actual["txn_id"].tolist() == expected["txn_id"].tolist()
    np.testing.assert_allclose(actual["probability"], expected["probability"], rtol=0, atol=1e-9)
    for column in ["customer_id", "amount", "channel", "model_version", *(f"{f}_status" for f in FEATURES)]:
        assert actual[column].tolist() == expected[column].tolist(), column
    assert (actual["event_timestamp"] == expected["event_timestamp"]).all()
    assert set(expected["avg_order_value_status"]) == {"present", "stale", "missing"}
    assert not (tmp_path / ".spark.partial").exists()


def test_spark_engine_refuses_null_ids_with_one_error_line_and_no_output(
    tmp_path: Path, spark: object, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    rows = generated_data.transactions.loc[:99, ["customer_id", "event_timestamp", "amount"]]
    rows = rows.astype({"customer_id": "Int64"})
    rows.loc[7, "customer_id"] = pd.NA
    rows.to_parquet(tmp_path / "in.parquet")
    result = score(
        "--input",
        tmp_path / "in.parquet",
        "--output",
        tmp_path / "out",
        "--engine",
        "spark",
        "--model-version",
        trained_model.registered.version,
    )
    assert result.exit_code != 0
    assert error_lines(result) == ["error: input column customer_id has 1 null value(s)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_a_date_partitioned_spark_output_holds_the_local_engines_rows_under_the_same_dates(
    tmp_path: Path, spark: object, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    frame = transactions_with_extras(generated_data)
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    common = ("--input", tmp_path / "in.parquet", "--model-version", trained_model.registered.version)
    local = score(*common, "--output", tmp_path / "local", "--partition-by-date", "--json")
    on_spark = score(*common, "--output", tmp_path / "spark", "--engine", "spark", "--partition-by-date", "--json")
    assert local.exit_code == 0 and on_spark.exit_code == 0, local.output + on_spark.output
    assert json.loads(on_spark.stdout)["statuses"] == json.loads(local.stdout)["statuses"]
    assert not (tmp_path / ".spark.partial").exists()

    def folders(path: Path) -> list[str]:
        return sorted(p.name for p in path.iterdir() if p.is_dir())

    assert len(folders(tmp_path / "spark")) > 5 and folders(tmp_path / "spark") == folders(tmp_path / "local")
    read = {
        name: ds.dataset(tmp_path / name, format="parquet", partitioning="hive").to_table().to_pandas()
        for name in ("local", "spark")
    }
    expected, actual = (read[name].sort_values("txn_id", ignore_index=True) for name in ("local", "spark"))
    assert len(actual) == len(expected) == len(frame)
    assert (actual["event_date"].astype(str) == expected["event_date"].astype(str)).all()
    times = pd.to_datetime(actual["event_timestamp"], utc=True)
    assert (actual["event_date"].astype(str) == times.dt.strftime("%Y-%m-%d")).all()  # under its own UTC date
    np.testing.assert_allclose(actual["probability"], expected["probability"], rtol=0, atol=1e-9)
    for column in ["txn_id", "customer_id", "amount", "note", *(f"{f}_status" for f in FEATURES)]:
        assert actual[column].tolist() == expected[column].tolist(), column
