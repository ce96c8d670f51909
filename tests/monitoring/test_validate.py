"""`mlops validate --url`: passes against the real rollout service (tests/fixtures/rollout_life.py),
fails with one error line when nothing answers, and knows which dashboard metrics the service owes."""

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mlops.main import app
from monitoring.validate import service_metrics
from tests.conftest import free_port


def test_the_service_metrics_are_the_dashboards_minus_the_jobs_gauges() -> None:
    names = service_metrics()
    assert {"http_requests_total", "prediction_score_bucket", "model_info", "prediction_log_dropped_total"} <= names
    assert not [name for name in names if name.startswith("mlops_")]
    assert "model_version" not in names and "le" not in names  # labels are not metrics


def test_nothing_listening_is_one_error_line_and_a_failure() -> None:
    result = CliRunner().invoke(app, ["validate", "--url", f"http://127.0.0.1:{free_port()}"])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code != 0 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.mark.integration
def test_validate_passes_and_the_rollback_rehearsal_loses_no_request(rollout_life: dict[str, Any]) -> None:
    validate = rollout_life["validate"]
    assert validate["exit_code"] == 0, validate["stdout"] + validate["stderr"]
    result = json.loads(validate["stdout"])
    checks = {check["name"]: check for check in result["checks"]}
    assert set(checks) == {
        "ready",
        "known_customer",
        "unknown_customer",
        "bad_input_422",
        "batch",
        "dashboard_metrics",
        "rollback_rehearsal",
    }
    assert result["passed"] and all(check["passed"] for check in checks.values())
    detail = checks["rollback_rehearsal"]["detail"]
    assert " 0 failed" in detail and f"v{rollout_life['v2']} -> v{rollout_life['v1']}" in detail
