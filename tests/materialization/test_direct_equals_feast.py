"""The direct engine leaves Redis byte-identical to ``feast materialize`` over the same range.

Every key of both projects is compared with every hash field (feature values and the
``_ts`` timestamp field), on the session's data: 1,500 customers over 12 days with late
sign-ups, churned customers and restatements that share an event timestamp and differ in
created timestamp (the tie-break). The range starts and ends mid-data, on an event
timestamp, so Feast's inclusive bounds and its dedup are both exercised.
"""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from materialization.jobs import ChunkDone, JobOptions, run_materialization
from materialization.records import RunLog
from tests.conftest import DATA_END
from tests.materialization.conftest import ProjectFactory, online_rows
from upstream.generate import GeneratedData


def _range(data: GeneratedData) -> tuple[datetime, datetime]:
    stamps = sorted(data.customer_stats["event_timestamp"].unique())
    return stamps[len(stamps) // 4].to_pydatetime(), stamps[3 * len(stamps) // 4].to_pydatetime()


def test_direct_engine_writes_exactly_what_feast_materialize_writes(
    make_project: ProjectFactory, redis_client: redis.Redis, generated_data: GeneratedData, tmp_path: Path
) -> None:
    start, end = _range(generated_data)
    feast_store = make_project("direct_peer")
    feast_store.materialize(start_date=start, end_date=end)
    expected = online_rows(redis_client, "direct_peer")

    ours = make_project("direct_ours")
    log = RunLog(tmp_path / "runs.db")
    parts: list[ChunkDone] = []
    options = JobOptions(chunk_rows=300, engine="direct")
    outcomes = run_materialization(ours, log, end, start, options=options, on_chunk=parts.append)

    assert [(o.view, o.status) for o in outcomes] == [("customer_stats", "success")]
    assert len(parts) > 3  # entity parts, not one query: the bounded path was taken
    stats = generated_data.customer_stats
    in_range = stats[(stats["event_timestamp"] >= start) & (stats["event_timestamp"] <= end)]
    assert 0 < len(expected) == in_range["customer_id"].nunique() < stats["customer_id"].nunique()
    assert online_rows(redis_client, "direct_ours") == expected
    assert sum(part.rows_read for part in parts) == len(expected) == outcomes[0].rows_written
    record = log.history("customer_stats")[0]
    assert (record.status, record.rows_read, record.rows_written) == ("success", len(expected), len(expected))
    assert record.newest_event == end.timestamp()
    assert log.last_chunk_end("customer_stats") == end.timestamp()
    view = ours.get_feature_view("customer_stats")  # Feast's registry knows, so materialize-incremental continues
    assert view.most_recent_end_time is not None and view.most_recent_end_time.timestamp() == end.timestamp()

    # Rerunning the range reads every entity again and writes none: a stored event is never replaced by itself.
    again = run_materialization(ours, log, end, start, options=options)
    assert again[0].rows_read == len(expected) and again[0].rows_written == 0
    assert online_rows(redis_client, "direct_ours") == expected


def test_an_interrupted_direct_backfill_resumes_at_the_next_entity_part(
    make_project: ProjectFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    start, end = DATA_END - timedelta(days=30), datetime.now(UTC).replace(microsecond=0)
    make_project("direct_clean").materialize(start_date=start, end_date=end)
    expected = online_rows(redis_client, "direct_clean")

    store = make_project("direct_resumed")
    log = RunLog(tmp_path / "runs.db")
    options = JobOptions(chunk_rows=400, engine="direct")
    stop = threading.Event()
    first: list[ChunkDone] = []

    def stop_after_two(part: ChunkDone) -> None:
        first.append(part)
        if len(first) == 2:
            stop.set()

    interrupted = run_materialization(store, log, end, start, options=options, stop=stop, on_chunk=stop_after_two)
    assert interrupted[0].status == "interrupted"
    assert [part.index for part in first] == [0, 1] and first[0].total > 2
    assert 0 < len(online_rows(redis_client, "direct_resumed")) < len(expected)

    resumed: list[ChunkDone] = []
    outcome = run_materialization(store, log, end, start, options=options, on_chunk=resumed.append)[0]
    assert outcome.status == "success"
    assert [part.index for part in resumed] == list(range(2, first[0].total))
    assert online_rows(redis_client, "direct_resumed") == expected
    assert outcome.rows_read + sum(part.rows_read for part in first) == len(expected)


def test_views_the_direct_engine_cannot_mirror_go_through_feast(make_project: ProjectFactory) -> None:
    from feast import FeatureView, PushSource

    from materialization.latest_rows import LatestRows, direct_unsupported

    store = make_project("direct_eligible")
    view = store.get_feature_view("customer_stats")
    assert direct_unsupported(store, view) is None
    query = LatestRows.of(store, view)
    assert query is not None and query.join_keys == ("customer_id",)
    assert query.created_timestamp_field == "created_timestamp"

    written_back = view.__copy__()
    written_back.offline = True
    assert "offline store" in (direct_unsupported(store, written_back) or "")
    pushed = FeatureView(
        name="pushed",
        entities=[store.get_entity("customer")],
        schema=view.schema,
        source=PushSource(name="push", batch_source=view.batch_source),
        ttl=view.ttl,
    )
    assert direct_unsupported(store, pushed) is None  # a push source's batch source is still local Parquet
    store.config.batch_engine_config = "spark.engine"
    assert "compute engine" in (direct_unsupported(store, view) or "")
    assert LatestRows.of(store, view) is None
