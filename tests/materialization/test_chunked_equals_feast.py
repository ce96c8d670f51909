"""Chunked materialization (the windowed Feast engine) writes exactly what one ``feast materialize`` call writes."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from materialization.jobs import JobOptions, run_materialization
from materialization.records import RunLog
from tests.conftest import DATA_END
from tests.materialization.conftest import ProjectFactory, online_rows
from upstream.generate import GeneratedData


def test_chunked_run_writes_the_same_online_rows_as_one_feast_call(
    make_project: ProjectFactory, redis_client: redis.Redis, generated_data: GeneratedData, tmp_path: Path
) -> None:
    start, end = DATA_END - timedelta(days=30), datetime.now(UTC)
    whole = make_project("mat_whole")
    whole.materialize(start_date=start, end_date=end)

    chunked = make_project("mat_chunked")
    log = RunLog(tmp_path / "runs.db")
    windows = []
    outcomes = run_materialization(
        chunked, log, end, start, options=JobOptions(chunk_rows=2_000, engine="feast"), on_chunk=windows.append
    )

    assert [(o.view, o.status) for o in outcomes] == [("customer_stats", "success")]
    days = generated_data.customer_stats["event_timestamp"].dt.floor("D").nunique()
    assert len(windows) >= days - 1  # ~1,300 rows a day against a 2,000-row budget: about a window a day
    expected = online_rows(redis_client, "mat_whole")
    assert len(expected) == generated_data.customer_stats["customer_id"].nunique()
    assert online_rows(redis_client, "mat_chunked") == expected

    # Every source row in the range was read exactly once across the windows (no overlap, no gap).
    latest_per_window = sum(chunk.rows_read for chunk in windows)
    per_day_entities = generated_data.customer_stats.groupby(
        generated_data.customer_stats["event_timestamp"].dt.floor("D")
    )["customer_id"].nunique()
    assert latest_per_window == per_day_entities.sum()
    record = log.history("customer_stats")[0]
    assert (record.status, record.rows_read) == ("success", latest_per_window)
    # Each later window holds newer snapshots of the same customers, so every row it read is written.
    assert record.rows_written == latest_per_window

    # A rerun of the same range reads everything again and writes nothing: Feast keeps newer values.
    again = run_materialization(
        chunked, log, end, start + timedelta(microseconds=1), options=JobOptions(engine="feast")
    )
    assert again[0].rows_read > 0
    assert again[0].rows_written == 0
    assert online_rows(redis_client, "mat_chunked") == expected
