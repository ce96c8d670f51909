"""The prediction log writer: complete files only, rotation, and bounded memory when the sink lags."""

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from inference.prediction_log import PredictionLog, prediction_record


def _record(i: int, value: float | None = 1.5) -> dict[str, object]:
    return prediction_record(
        request_id=f"r{i}",
        customer_id=i,
        model_name="fraud_detector",
        model_version="7",
        probability=0.25,
        features={"avg_order_value": value, "amount": 3.0},
        statuses={"avg_order_value": "present" if value is not None else "missing"},
    )


def test_records_land_in_rotated_complete_parquet_files(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path, flush_seconds=0.02, rotate_rows=40)
    log.start()
    for i in range(100):
        log.submit(_record(i, None if i % 3 == 0 else 1.5))
    log.stop()
    files = sorted(tmp_path.glob("*.parquet"))
    assert len(files) >= 3  # 100 rows, at most 40 per file
    assert not list(tmp_path.glob("*.tmp"))
    frame = pd.concat([pd.read_parquet(path) for path in files], ignore_index=True).sort_values("customer_id")
    assert frame["request_id"].tolist() == [f"r{i}" for i in range(100)]
    assert frame["avg_order_value"].isna().sum() == 34
    assert frame["status__avg_order_value"].value_counts()["missing"] == 34
    assert frame["timestamp"].dt.tz is not None and frame["timestamp"].max() <= pd.Timestamp(datetime.now(UTC))


def test_a_batch_of_only_missing_values_keeps_the_file_schema(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path, flush_seconds=0.02)
    log.start()
    log.submit(_record(1, None))  # alone in its row group: the column would be typed null
    log._flush()
    log.submit(_record(2, 2.0))
    log.stop()
    (only,) = tmp_path.glob("*.parquet")  # one file: the schema did not change between row groups
    assert pd.read_parquet(only)["avg_order_value"].tolist()[1] == 2.0


def test_a_full_buffer_drops_new_records_and_counts_them(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path, max_buffered=10, flush_seconds=3600)
    log.start()  # the writer waits an hour between flushes: the sink "lags"
    for i in range(25):
        log.submit(_record(i))
    assert log.dropped == 15
    log.stop()  # the ten buffered records are still written on shutdown
    (only,) = tmp_path.glob("*.parquet")
    assert pd.read_parquet(only)["request_id"].tolist() == [f"r{i}" for i in range(10)]
