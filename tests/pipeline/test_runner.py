"""`mlops pipeline run|validate` against the real Feast store and MLflow backend."""

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from core.paths import REPO_ROOT, ProjectPaths
from mlops.main import app
from registry.lifecycle import Lifecycle
from registry.version_labels import register
from tests.fixtures.registry_runs import Runs

pytestmark = pytest.mark.integration
runner = CliRunner()


def pipeline_file(folder: Path, model: str, threshold: float, transactions: str | None = None) -> Path:
    document: dict[str, Any] = json.loads((REPO_ROOT / "pipeline.json").read_text())
    document["model"] = model
    for stage in document["stages"]:
        if stage["type"] == "train":
            stage["params"]["num_boost_round"] = 20
        if stage["type"] == "evaluate":
            stage["params"]["gate"]["threshold"] = threshold
        if stage["type"] == "fetch_data":
            stage["params"]["transactions"] = transactions
    path = folder / "pipeline.json"
    path.write_text(json.dumps(document))
    return path


def error_line(stderr: str) -> str:
    """The one `error:` line (MLflow's own logging may also write to stderr while registering)."""
    lines = [line for line in stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1, stderr
    return lines[0]


def baseline(lifecycle: Lifecycle, runs: Runs, model: str) -> str:
    version = register(
        lifecycle,
        name=model,
        label="baseline",
        metrics={},
        params={},
        model_uri=runs.good,
        tracking_uri=runs.tracking_uri,
    ).version
    lifecycle.promote(model, version, "production", reason="baseline")
    return version


def test_a_model_failing_the_gate_leaves_production_unchanged(tmp_path: Path, runs: Runs, lifecycle: Lifecycle) -> None:
    model = "pipeline_gate_fraud"
    production = baseline(lifecycle, runs, model)
    history_before = lifecycle.history(model)

    result = runner.invoke(app, ["pipeline", "run", "--pipeline", str(pipeline_file(tmp_path, model, 0.9999))])

    assert result.exit_code == 1
    assert "gate FAILED" in error_line(result.stderr) and "production unchanged" in result.stderr
    assert str(lifecycle.client.get_model_version_by_alias(model, "production").version) == production
    newest = lifecycle.versions(model)[0]
    assert newest.version != production and newest.gate == "failed" and "production" not in newest.aliases
    assert [t.action for t in lifecycle.history(model)[len(history_before) :]] == []
    promote = runner.invoke(app, ["registry", "promote", "--name", model, "--version", newest.version])
    assert promote.exit_code == 1 and "failed its evaluation gate" in promote.stderr


def test_a_passing_run_reports_json_and_moves_production(tmp_path: Path, runs: Runs, lifecycle: Lifecycle) -> None:
    model = "pipeline_json_fraud"
    path = pipeline_file(tmp_path, model, 0.5)

    result = runner.invoke(app, ["pipeline", "run", "--pipeline", str(path), "--json"])

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)  # progress goes to stderr: stdout is the report alone
    assert "[train] train" in result.stderr
    assert (report["pipeline"], report["model"], report["deployed"]) == (str(path), model, "production")
    assert report["gate"]["metric"] == "auc" and report["gate"]["value"] == report["metrics"]["auc"] >= 0.5
    assert str(lifecycle.client.get_model_version_by_alias(model, "production").version) == report["version"]


def test_bad_training_data_stops_the_run_with_a_report(tmp_path: Path, runs: Runs, lifecycle: Lifecycle) -> None:
    model = "pipeline_bad_data_fraud"
    baseline(lifecycle, runs, model)
    transactions = pd.read_parquet(ProjectPaths.from_env().transactions)
    transactions.loc[transactions.index[:5], "amount"] = -1.0
    bad = tmp_path / "bad.parquet"
    transactions.drop(columns=["is_fraud"]).assign(amount=transactions["amount"]).to_parquet(bad)

    result = runner.invoke(app, ["pipeline", "run", "--pipeline", str(pipeline_file(tmp_path, model, 0.5, str(bad)))])

    assert result.exit_code == 1
    assert "validate stage stopped the run: 2 problem(s)" in error_line(result.stderr)
    assert "is_fraud: missing column" in result.stdout
    assert "amount: 5 values outside [0, 1e+06], e.g. -1" in result.stdout
    assert [v.label for v in lifecycle.versions(model)] == ["baseline"]


def test_shipped_pipeline_validates_strict_against_the_real_registries(runs: Runs) -> None:
    result = runner.invoke(
        app, ["pipeline", "validate", "--pipeline", str(REPO_ROOT / "pipeline.json"), "--strict", "--json"]
    )
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout) == {"pipeline": str(REPO_ROOT / "pipeline.json"), "valid": True, "findings": []}


def test_a_cyclic_pipeline_is_refused(tmp_path: Path) -> None:
    document = json.loads((REPO_ROOT / "pipeline.json").read_text())
    document["stages"][0]["depends_on"] = ["deploy"]
    path = tmp_path / "cycle.json"
    path.write_text(json.dumps(document))

    validated = runner.invoke(app, ["pipeline", "validate", "--pipeline", str(path), "--no-resolve"])
    ran = runner.invoke(app, ["pipeline", "run", "--pipeline", str(path)])

    assert validated.exit_code == 1 and "CYCLE" in validated.stdout
    assert ran.exit_code == 1 and "CYCLE at $.stages" in error_line(ran.stderr)
