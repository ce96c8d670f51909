"""A windowed (Feast engine) run killed with SIGKILL mid-way, then run again, ends as a clean run does."""

import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
from typer.testing import CliRunner

from mlops.main import app
from tests.conftest import DATA_END
from tests.materialization.conftest import MLOPS, ProjectFactory, iso, mlops_env, online_rows


def _chunks_done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM chunks").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def test_a_killed_run_resumes_and_matches_a_clean_run(
    make_project: ProjectFactory, redis_client: redis.Redis, tmp_path: Path
) -> None:
    start, end = DATA_END - timedelta(days=30), datetime.now(UTC).replace(microsecond=0)
    args = ["materialize", "run", "--backfill", iso(start), iso(end), "--chunk-rows", "3000", "--engine", "feast"]
    make_project("mat_clean").materialize(start_date=start, end_date=end)

    killed = make_project("mat_killed")
    env = mlops_env(killed, tmp_path / "killed.db")
    process = subprocess.Popen([*MLOPS, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # Feast alone takes ~10-40 s to import on a busy 2-core machine
    while _chunks_done(tmp_path / "killed.db") < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    done_before_kill = _chunks_done(tmp_path / "killed.db")
    assert done_before_kill >= 2
    partial = online_rows(redis_client, "mat_killed")
    expected = online_rows(redis_client, "mat_clean")
    assert partial != expected

    rerun = CliRunner().invoke(app, args, env=env)  # in-process: one Feast import less on a busy machine
    assert rerun.exit_code == 0, rerun.output
    assert online_rows(redis_client, "mat_killed") == expected
    # The rerun resumed after the windows already done instead of starting over.
    with sqlite3.connect(tmp_path / "killed.db") as conn:
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs ORDER BY id")]
        first_resumed = conn.execute("SELECT MIN(window_start) FROM chunks WHERE run_id = 2").fetchone()[0]
        last_killed = conn.execute("SELECT MAX(window_end) FROM chunks WHERE run_id = 1").fetchone()[0]
    assert statuses == ["abandoned", "success"]  # the killed run never recorded an end; the rerun marked it
    assert first_resumed > last_killed
