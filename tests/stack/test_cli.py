"""``mlops stack up/down/status --json`` against a real redis-server on a port of its own."""

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops.main import app
from tests.conftest import free_port

pytestmark = pytest.mark.integration
runner = CliRunner()


def _stack(command: str, env: dict[str, str]) -> tuple[int, object]:
    result = runner.invoke(app, ["stack", command, "--json"], env=env)
    return result.exit_code, json.loads(result.stdout)


def test_up_status_down_report_the_same_facts_as_json(tmp_path: Path) -> None:
    port = free_port()
    env = {"REDIS_CONNECTION_STRING": f"127.0.0.1:{port}", "MLOPS_DATA_DIR": str(tmp_path / "data")}
    redis = {"host": "127.0.0.1", "port": port}

    assert _stack("status", env) == (1, {"redis": {**redis, "state": "down"}})  # exit 1 as in text mode
    try:
        assert _stack("up", env) == (
            0,
            {"redis": {**redis, "state": "started"}, "mlflow": {"backend": os.environ["MLFLOW_TRACKING_URI"]}},
        )
        assert _stack("status", env) == (0, {"redis": {**redis, "state": "up"}})
        code, again = _stack("up", env)
        assert code == 0 and again["redis"]["state"] == "already running"  # type: ignore[index]
    finally:
        assert _stack("down", env) == (0, {"redis": {**redis, "state": "stopped"}})
    assert _stack("down", env) == (0, {"redis": {**redis, "state": "left alone"}})
    assert _stack("status", env)[1] == {"redis": {**redis, "state": "down"}}


def test_text_output_is_unchanged_without_json(tmp_path: Path) -> None:
    port = free_port()
    env = {"REDIS_CONNECTION_STRING": f"127.0.0.1:{port}", "MLOPS_DATA_DIR": str(tmp_path / "data")}
    result = runner.invoke(app, ["stack", "status"], env=env)
    assert (result.exit_code, result.stdout) == (1, f"redis   down on 127.0.0.1:{port}\n")
