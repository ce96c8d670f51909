"""`mlops registry list` against a real MLflow tracking server: the REST path prints what MLflow's client prints.

The server is ``mlflow server`` on the session's SQLite backend, so the same versions are
read once through MLflow's SQL store (in-process CLI, SQLite URI) and once over HTTP by
``registry.rest_reader`` (a fresh process, server URI), and the two outputs must be equal.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fixtures.registry_runs import Runs
from tests.registry.test_registry_cli import ok_json
from tests.service_process import stop, wait_for

pytestmark = pytest.mark.integration
NAME = "rest_listed_fraud"


@pytest.fixture(scope="module")
def tracking_server(runs: Runs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("rest-list")
    port = free_port()
    command = [str(Path(sys.executable).parent / "mlflow"), "server", "--backend-store-uri", runs.tracking_uri]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with (folder / "server.log").open("w+b") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, log, timeout=180)  # type: ignore[arg-type]
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process, timeout=20)


@pytest.fixture(scope="module")
def promoted_twice(runs: Runs) -> None:
    """Two labelled versions, v2 in production and v1 archived: aliases, tags and audit entries to compare."""
    for label in ("v1", "v2"):
        ok_json("registry", "register", "--name", NAME, "--version", label, "--model-uri", runs.good)
        ok_json("registry", "promote", "--name", NAME, "--version", label, "--reason", f"rest list {label}")


def over_http(server: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": server}
    command = [sys.executable, "-X", "importtime", "-m", "mlops", "registry", "list", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def imported_modules(importtime_log: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize(
    ("args", "versions"),
    [((), ["2", "1"]), (("--name", NAME), ["2", "1"]), (("--stage", "archived"), ["1"])],
    ids=["all", "one-model", "stage"],
)
def test_listing_over_http_equals_listing_through_mlflow(
    tracking_server: str, promoted_twice: None, args: tuple[str, ...], versions: list[str]
) -> None:
    through_mlflow = ok_json("registry", "list", *args)
    result = over_http(tracking_server, *args, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == through_mlflow
    mine = [row for row in through_mlflow if row["name"] == NAME]  # type: ignore[union-attr,index]
    assert [row["version"] for row in mine] == versions
    assert "mlflow" not in {module.split(".")[0] for module in imported_modules(result.stderr)}


def test_the_table_over_http_shows_the_audited_promotion(tracking_server: str, promoted_twice: None) -> None:
    result = over_http(tracking_server, "--name", NAME, "--stage", "production")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if NAME in line]
    assert len(lines) == 1 and "production" in lines[0] and "promote" in lines[0] and "rest list v2" in lines[0]


def test_an_unknown_model_over_http_is_one_error_line(tracking_server: str) -> None:
    result = over_http(tracking_server, "--name", "no_such_rest_model")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: no registered model named 'no_such_rest_model': see `mlops registry list`"]
