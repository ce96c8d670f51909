"""``mlops materialize run/history --json`` for real, and its duration form ``--backfill-span``."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops.main import app
from stack.redis_server import LocalRedis
from tests.materialization.conftest import iso, mlops_env, snapshot_view_project, write_snapshots

pytestmark = pytest.mark.integration
runner = CliRunner()


def _flat(text: str) -> str:
    """Click's error box without its frame and line breaks, so a message can be matched whole."""
    return " ".join(text.replace("│", " ").split())


def test_run_and_history_as_json(redis_server: LocalRedis, tmp_path: Path) -> None:
    source = tmp_path / "stats.parquet"
    end = datetime.now(UTC).replace(microsecond=0)
    write_snapshots(source, 12, end - timedelta(hours=3))
    store = snapshot_view_project("mat_cli_json", source)
    env = mlops_env(store, tmp_path / "runs.db")

    ran = runner.invoke(app, ["materialize", "run", "--end", iso(end), "--backfill-span", "1d", "--json"], env=env)
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.stdout)  # progress lines went to stderr: stdout is one document
    assert (report["start"], report["end"]) == ((end - timedelta(days=1)).isoformat(), end.isoformat())
    assert report["alerts"] is None  # not asked for (--alert)
    (view,) = report["views"]
    assert {key: view[key] for key in ("view", "status", "rows_read", "rows_written", "error")} == {
        "view": "stats",
        "status": "success",
        "rows_read": 12,
        "rows_written": 12,
        "error": None,
    }
    assert view["windows"] and sum(window["rows_written"] for window in view["windows"]) == 12
    assert view["windows"][-1]["index"] == view["windows"][-1]["total"]
    assert "stats: window 1/" in ran.stderr

    history = runner.invoke(app, ["materialize", "history", "--json"], env=env)
    assert history.exit_code == 0, history.output
    (record,) = json.loads(history.stdout)
    assert (record["id"], record["view"], record["kind"], record["status"]) == (
        view["run_id"],
        "stats",
        "backfill",
        "success",
    )
    assert (record["rows_read"], record["rows_written"]) == (12, 12)


def test_backfill_days_is_kept_and_means_the_same_span(redis_server: LocalRedis, tmp_path: Path) -> None:
    source = tmp_path / "stats.parquet"
    end = datetime(2026, 1, 5, tzinfo=UTC)
    write_snapshots(source, 3, end - timedelta(days=2))
    store = snapshot_view_project("mat_cli_days", source)
    env = mlops_env(store, tmp_path / "runs.db")
    starts = []
    for option in (["--backfill-days", "3.5"], ["--backfill-span", "3d12h"]):
        ran = runner.invoke(app, ["materialize", "run", "--end", iso(end), *option, "--json"], env=env)
        assert ran.exit_code == 0, ran.output
        starts.append(json.loads(ran.stdout)["start"])
    assert starts == ["2026-01-01T12:00:00+00:00"] * 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--backfill-span", "31"], 2, "Invalid value for '--backfill-span': Value error, invalid duration '31'"),
        (
            ["--backfill-span", "31d", "--backfill-days", "31"],
            1,
            "error: give only one of --backfill-span, --backfill-days",
        ),
        (["--backfill-span", "1d", "--start", "2026-01-01"], 1, "error: give only one of --start, --backfill-span"),
    ],
)
def test_bad_spans_are_refused_before_anything_runs(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, ["materialize", "run", *args])
    assert result.exit_code == code, result.output
    assert message in _flat(result.stderr)


def test_schedule_interval_is_a_duration() -> None:
    result = runner.invoke(app, ["materialize", "schedule", "--interval", "900"])
    assert result.exit_code == 2
    assert "Invalid value for '--interval': Value error, invalid duration '900'" in _flat(result.stderr)
