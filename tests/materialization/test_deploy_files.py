"""Deployment files: Prometheus rules (promtool), the Airflow task body, the example configuration."""

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from materialization.settings import load_settings
from tests.materialization.conftest import ProjectFactory, online_rows
from tests.promtool import promtool as find_promtool

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "deploy" / "prometheus"


def test_materialization_rules_pass_promtool_and_their_unit_tests() -> None:
    promtool = find_promtool()
    check = subprocess.run(
        [promtool, "check", "rules", "materialization_rules.yml"], cwd=RULES_DIR, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", "materialization_rules.test.yml"], cwd=RULES_DIR, capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_use_only_metrics_the_scheduler_exports() -> None:
    from prometheus_client import generate_latest

    from materialization.jobs import ViewOutcome
    from materialization.metrics import MaterializationMetrics

    metrics = MaterializationMetrics()
    metrics.observe_run(ViewOutcome("v", 1, "failed", (0, 1), 0, 0, 1, "boom"), 1.0)
    metrics.observe_run(ViewOutcome("v", 2, "success", (0, 1), 5, 5, 1), 2.0)
    metrics.newest_event.labels("v").set(1)
    metrics.source_newest_event.labels("v").set(1)
    metrics.sla.labels("v").set(1)
    exported = generate_latest(metrics.registry).decode()
    rules = (RULES_DIR / "materialization_rules.yml").read_text()
    used = set(re.findall(r"mlops_materialization_\w+", rules))
    assert used, "no metric found in the rules"
    for name in used:
        assert f"\n{name}{{" in exported, name


def test_the_airflow_task_calls_the_same_job_function(
    make_project: ProjectFactory, redis_client: redis.Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("airflow_dag", REPO / "deploy" / "materialization" / "airflow_dag.py")
    assert spec is not None and spec.loader is not None
    dag_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dag_module)
    assert dag_module.task_plan(["customer_stats"]) == [
        {"task_id": "materialize_customer_stats", "views": ["customer_stats"]}
    ]

    store = make_project("mat_airflow")
    monkeypatch.setenv("MLOPS_FEAST_REPO", str(store.repo_path))
    monkeypatch.setenv("MLOPS_MATERIALIZATION_DB", str(tmp_path / "runs.db"))
    result = dag_module.materialize_task(["customer_stats"])
    assert result["customer_stats"]["rows_written"] == len(online_rows(redis_client, "mat_airflow")) > 0

    from materialization.records import RunLog

    (record,) = RunLog(tmp_path / "runs.db").history()
    assert (record.view, record.kind, record.status) == ("customer_stats", "incremental", "success")
    assert record.window_end - record.window_start >= timedelta(days=2).total_seconds()  # Feast's TTL default
    assert record.window_end <= datetime.now(UTC).timestamp()


def test_the_example_configuration_loads() -> None:
    settings = load_settings(REPO / "deploy" / "materialization" / "materialization.example.yaml")
    assert settings.sla_overrides["customer_stats"] == timedelta(minutes=5)
    assert settings.interval == timedelta(minutes=1)
