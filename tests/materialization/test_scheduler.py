"""The scheduler: a Redis lock per view across replicas, and a clean stop on SIGTERM."""

import itertools
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import redis

from materialization.alert_sinks import LogSink
from materialization.metrics import MaterializationMetrics
from materialization.records import RunLog
from materialization.scheduler import ViewJob
from materialization.settings import MaterializationSettings
from tests.materialization.conftest import MLOPS, ProjectFactory, mlops_env


def test_a_view_locked_by_another_replica_is_skipped_then_run(
    make_project: ProjectFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    store = make_project("mat_lock")
    log = RunLog(tmp_path / "runs.db")
    job = ViewJob(store, log, MaterializationSettings(), [LogSink()], MaterializationMetrics())
    other_replica = job.lock(redis_client, "customer_stats")
    assert other_replica.acquire()

    assert job("customer_stats") is None
    assert log.history() == []

    other_replica.release()
    outcome = job("customer_stats")
    assert outcome is not None and outcome.status == "success" and outcome.rows_written > 0
    assert [(r.view, r.status) for r in log.history()] == [("customer_stats", "success")]
    assert not job.lock(redis_client, "customer_stats").locked()  # released after the run


def _ticks(text: str) -> list[str]:
    """The scheduled times of the interval job's runs in the schedulers' logs (not the start-up catch-up run)."""
    return re.findall(r'Running job "materialize customer_stats \(trigger: interval.*\(scheduled at ([^)]+)\)', text)


def _runs(db: Path) -> list[tuple[str, float, float | None, str]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(
                "SELECT worker, started_at, finished_at, status FROM runs ORDER BY started_at"
            ).fetchall()
    except sqlite3.OperationalError:  # the schema is being created
        return []


def test_two_schedulers_never_run_the_same_view_at_once_and_stop_cleanly(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    store = make_project("mat_replicas")
    (Path(store.repo_path) / "materialization.yaml").write_text(
        "interval: 1s\nchunk_rows: 1000\noverlap: 30h\nmetrics_port: null\nretries: 0\n"
    )
    db = tmp_path / "runs.db"
    env = mlops_env(store, db)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    replicas = [
        subprocess.Popen([*MLOPS, "materialize", "schedule"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        for log in logs
    ]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            text = "".join(log.read_text() for log in logs)
            finished = [run for run in _runs(db) if run[3] == "success"]
            # Two successes can be the start-up catch-up run and one grid tick: wait for two ticks too.
            if "another scheduler holds its lock" in text and len(finished) >= 2 and len(_ticks(text)) >= 2:
                break
            time.sleep(0.2)
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        codes = [replica.wait(timeout=60) for replica in replicas]
    finally:
        for replica in replicas:
            if replica.poll() is None:
                replica.kill()
    text = "".join(log.read_text() for log in logs)
    assert codes == [0, 0], text[-3000:]
    assert "another scheduler holds its lock" in text
    # Both replicas tick on the same grid of whole seconds, not at their start time plus k seconds:
    # that alignment, not luck, is what makes the lock the arbiter.
    ticks = _ticks(text)
    assert len(ticks) >= 2 and all(re.fullmatch(r"\S+ \d\d:\d\d:\d\d\+00:00", tick) for tick in ticks), ticks
    runs = _runs(db)
    assert len(runs) >= 2
    assert all(status in {"success", "interrupted"} for _, _, _, status in runs), runs
    for earlier, later in itertools.pairwise(runs):
        assert earlier[2] is not None and later[1] >= earlier[2], f"runs overlap: {earlier} {later}"
    assert "scheduler stopped" in text


def test_redis_down_records_a_failed_run_and_the_next_run_catches_up(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    from feast import FeatureStore

    from tests.conftest import free_port

    store = make_project("mat_redis_down")
    down = tmp_path / "down"
    down.mkdir()
    (down / "feature_store.yaml").write_text(
        (Path(store.repo_path) / "feature_store.yaml")
        .read_text()
        .replace('"${REDIS_CONNECTION_STRING}"', f"127.0.0.1:{free_port()}")
    )
    log = RunLog(tmp_path / "runs.db")
    settings = MaterializationSettings(retries=0)
    outage = ViewJob(FeatureStore(repo_path=str(down)), log, settings, [LogSink()], MaterializationMetrics())
    failed = outage("customer_stats")
    assert failed is not None and failed.status == "failed"
    assert "online store unreachable" in (failed.error or "")

    recovered = ViewJob(store, log, settings, [LogSink()], MaterializationMetrics())("customer_stats")
    assert recovered is not None and recovered.status == "success" and recovered.rows_written > 0
    assert [r.status for r in log.history("customer_stats")] == ["success", "failed"]
