"""``mlops freshness check`` and the CLI's answers to bad input."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from materialization.jobs import run_materialization
from materialization.records import RunLog
from mlops.main import app
from stack.redis_server import LocalRedis
from tests.materialization.conftest import mlops_env, snapshot_view_project, write_snapshots


def test_freshness_check_reports_the_three_signals_and_exits_non_zero_on_a_breach(
    redis_server: LocalRedis, tmp_path: Path
) -> None:
    source = tmp_path / "stats.parquet"
    now = datetime.now(UTC)
    write_snapshots(source, 20, now - timedelta(hours=5))
    store = snapshot_view_project("mat_fresh_cli", source, sla="2h")
    db = tmp_path / "runs.db"
    run_materialization(store, RunLog(db), now, now - timedelta(days=1))
    env = mlops_env(store, db)
    runner = CliRunner()

    stale = runner.invoke(app, ["freshness", "check"], env=env)
    assert stale.exit_code == 1
    assert "upstream_stopped" in stale.output
    assert "error: freshness SLA breached for stats" in stale.output

    report = json.loads(runner.invoke(app, ["freshness", "check", "--json"], env=env).stdout)
    (view,) = report
    assert view["view"] == "stats" and view["breached"] is True and view["sla_seconds"] == 7200
    assert abs(view["data_age_seconds"] - 5 * 3600) < 120
    assert view["sampled_keys"] == 20
    newest = view["source_newest_event"]  # float seconds from three decoders: equal to within a microsecond
    assert view["tracked_newest_event"] == pytest.approx(newest, abs=1e-6)
    assert view["sampled_newest_event"] == pytest.approx(newest, abs=1e-6)
    assert view["seconds_since_last_success"] < 600

    # A config override loosens the SLA: the same data is now fresh.
    (tmp_path / "loose.yaml").write_text("views:\n  stats:\n    freshness_sla: 6h\n")
    loose = runner.invoke(app, ["freshness", "check", "--config", str(tmp_path / "loose.yaml")], env=env)
    assert loose.exit_code == 0, loose.output
    assert "fresh" in loose.output

    # `mlops data append` then `mlops materialize run`: fresh under the 2h SLA as well.
    assert runner.invoke(app, ["data", "append", "--path", str(source)], env=env).exit_code == 0
    ran = runner.invoke(app, ["materialize", "run", "--view", "stats"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "stats: success, 20 rows read, 20 written" in ran.output
    fresh = runner.invoke(app, ["freshness", "check", "--json"], env=env)
    assert fresh.exit_code == 0, fresh.output
    assert json.loads(fresh.stdout)[0]["verdict"] == "fresh"

    history = runner.invoke(app, ["materialize", "history"], env=env)
    assert history.exit_code == 0
    lines = history.output.strip().splitlines()
    assert lines[0].split()[:3] == ["run", "view", "kind"]
    assert [line.split()[2] for line in lines[1:]] == ["incremental", "backfill"]


def test_bad_input_gets_one_clear_line(redis_server: LocalRedis, tmp_path: Path) -> None:
    source = tmp_path / "stats.parquet"
    write_snapshots(source, 3, datetime.now(UTC))
    store = snapshot_view_project("mat_bad_input", source)
    env = mlops_env(store, tmp_path / "runs.db")
    runner = CliRunner()
    cases = {
        "unknown view": (
            ["materialize", "run", "--view", "nope"],
            "error: unknown feature view(s): nope; known: stats",
        ),
        "bad sla": (
            ["freshness", "check"],
            "error: configuration: views.stats.freshness_sla: invalid duration '26 hours'",
        ),
        "bad cron": (["materialize", "schedule"], "error: configuration: cron: invalid expression"),
        "sla for unknown view": (
            ["materialize", "schedule"],
            "error: configuration: SLA for unknown feature view(s): customer_stats",
        ),
        "bad range": (
            ["materialize", "run", "--backfill", "2026-01-02", "2026-01-01"],
            "error: start (2026-01-02T00:00:00+00:00) must be before end",
        ),
    }
    configs = {
        "bad sla": "views:\n  stats:\n    freshness_sla: 26 hours\n",
        "bad cron": "cron: '61 * * * *'\n",
        "sla for unknown view": "views:\n  customer_stats:\n    freshness_sla: 1h\n",
    }
    for name, (args, expected) in cases.items():
        config = tmp_path / f"{name}.yaml"
        config.write_text(configs.get(name, "{}\n"))
        result = runner.invoke(app, args, env={**env, "MLOPS_MATERIALIZATION_CONFIG": str(config)})
        assert result.exit_code == 1, (name, result.output)
        assert expected in result.output, (name, result.output)
        assert "Traceback" not in result.output
