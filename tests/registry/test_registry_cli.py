"""`mlops registry` end to end against the real MLflow backend, and what plain MLflow then sees."""

import json

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from mlops.main import app
from registry.lifecycle import Lifecycle
from tests.conftest import free_port
from tests.fixtures.registry_runs import Runs

pytestmark = pytest.mark.integration
runner = CliRunner()


def mlops(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str) -> object:
    code, out, err = mlops(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def one_error_line(code: int, err: str) -> str:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_promote_moves_the_alias_plain_mlflow_loads_and_previous_is_archived(runs: Runs) -> None:
    name = "interop_fraud"
    first = ok_json(
        "registry",
        "register",
        "--name",
        name,
        "--version",
        "v2.2",
        "--metrics",
        '{"auc": 0.93, "f1": 0.6}',
        "--params",
        '{"n_estimators": 100}',
        "--model-uri",
        runs.good,
    )
    second = ok_json(
        "registry",
        "register",
        "--name",
        name,
        "--version",
        "v2.3",
        "--metrics",
        '{"auc": 0.95, "f1": 0.55}',
        "--params",
        '{"n_estimators": 200}',
        "--model-uri",
        runs.broken,
    )
    assert isinstance(first, dict) and isinstance(second, dict)
    ok_json("registry", "promote", "--name", name, "--version", "v2.2", "--stage", "production")
    moved = ok_json(
        "registry", "promote", "--name", name, "--version", "v2.3", "--stage", "production", "--reason", "better auc"
    )
    assert moved == {**moved, "from_version": first["version"], "to_version": second["version"], "reason": "better auc"}

    mlflow.set_tracking_uri(runs.tracking_uri)
    loaded = mlflow.pyfunc.load_model(f"models:/{name}@production")
    assert loaded.metadata.run_id == runs.broken.split("/")[1]
    client = MlflowClient(tracking_uri=runs.tracking_uri)
    assert str(client.get_model_version_by_alias(name, "archived").version) == first["version"]
    assert client.get_model_version(name, first["version"]).tags["lifecycle"] == "archived"
    assert client.get_model_version(name, second["version"]).tags["version_label"] == "v2.3"

    archived = ok_json("registry", "list", "--name", name, "--stage", "archived")
    assert [row["label"] for row in archived] == ["v2.2"]  # type: ignore[union-attr]

    compared = ok_json("registry", "compare", "--name", name, "--versions", "v2.2", "v2.3")
    better = {row["metric"]: (row["delta"], row["better"]) for row in compared["metrics"]}  # type: ignore[index]
    assert better["auc"][1] == "v2.3" and better["auc"][0] == pytest.approx(0.02)
    assert better["f1"][1] == "v2.2" and better["f1"][0] == pytest.approx(-0.05)
    assert {row["param"]: (row["first"], row["second"]) for row in compared["params"]} == {  # type: ignore[index]
        "n_estimators": ("100", "200")
    }

    rolled = ok_json("registry", "rollback", "--name", name)
    assert (rolled["from_version"], rolled["to_version"]) == (second["version"], first["version"])  # type: ignore[index]
    assert mlflow.pyfunc.load_model(f"models:/{name}@production").metadata.run_id == runs.good.split("/")[1]
    assert str(client.get_model_version_by_alias(name, "archived").version) == second["version"]

    history = ok_json("registry", "history", "--name", name)
    assert [(t["action"], t["from_version"], t["to_version"]) for t in history] == [  # type: ignore[union-attr,index]
        ("register", None, first["version"]),
        ("register", None, second["version"]),
        ("promote", None, first["version"]),
        ("promote", first["version"], second["version"]),
        ("rollback", second["version"], first["version"]),
    ]
    code, table, _ = mlops("registry", "history", "--name", name)
    assert code == 0 and "rollback" in table and "better auc" in table


def _state(lifecycle: Lifecycle, name: str) -> tuple[object, ...]:
    model = lifecycle.client.get_registered_model(name)
    return (
        tuple(sorted((v.version, tuple(sorted(v.tags.items()))) for v in lifecycle.versions(name))),
        model.aliases,
        model.tags,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("register", "--version", "v9", "--metrics", '{"auc": 0.9'), "--metrics is not valid JSON"),
        (("register", "--version", "v9", "--metrics", "[0.9]"), "--metrics must be a JSON object"),
        (("register", "--version", "v9", "--metrics", '{"auc": "high"}'), "'auc' must be a finite number"),
        (("register", "--version", "v9", "--params", "{n_estimators: 1}"), "--params is not valid JSON"),
        (("register", "--version", "v1", "--model-uri", "RUN_URI"), "already registered"),
        (("promote", "--version", "v404", "--stage", "production"), "has no version 'v404'"),
        (("promote", "--version", "v-gate-failed", "--stage", "production"), "failed its evaluation gate"),
        (("promote", "--version", "v-gate-failed", "--force"), "--force needs --reason"),
        (("compare", "--versions", "v1", "v404"), "has no version 'v404'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    runs: Runs, lifecycle: Lifecycle, args: tuple[str, ...], expected: str
) -> None:
    name = "bad_input_fraud"
    if not lifecycle.client.search_registered_models(f"name='{name}'"):
        ok_json("registry", "register", "--name", name, "--version", "v1", "--model-uri", runs.good)
        ok_json("registry", "register", "--name", name, "--version", "v-gate-failed", "--model-uri", runs.good)
        failed = lifecycle.resolve(name, "v-gate-failed").version
        lifecycle.client.set_model_version_tag(name, failed, "gate_passed", "false")
        ok_json("registry", "promote", "--name", name, "--version", "v1")
    before = _state(lifecycle, name)
    command, *rest = args
    code, _, err = mlops("registry", command, "--name", name, *[runs.good if a == "RUN_URI" else a for a in rest])
    assert expected in one_error_line(code, err)
    assert _state(lifecycle, name) == before


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (
            ("promote", "--name", "any", "--version", "v1", "--stage", "prod"),
            "'prod' is not one of 'production', 'staging'.",
        ),
        (("list", "--stage", "canary"), "'canary' is not one of 'production', 'staging', 'archived'."),
    ],
)
def test_a_wrong_stage_is_a_usage_error_naming_the_choices(args: tuple[str, ...], choices: str) -> None:
    code, out, err = mlops("registry", *args)
    assert code == 2 and out == ""  # click refuses it before MLflow is opened
    assert f"Invalid value for '--stage': Value error, {choices}" in " ".join(err.replace("│", " ").split())


def test_stage_choices_are_the_shared_names() -> None:
    from typing import get_args

    from core.names import ARCHIVED, STAGES
    from registry.cli import Alias, Stage

    assert get_args(Stage) == STAGES
    assert get_args(Alias) == (*STAGES, ARCHIVED)


def test_unknown_model_is_one_line() -> None:
    code, _, err = mlops("registry", "rollback", "--name", "no_such_model")
    assert "no registered model named 'no_such_model'" in one_error_line(code, err)


def test_unreachable_backend_is_one_line() -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    code, _, err = mlops("registry", "list", env={"MLFLOW_TRACKING_URI": uri})
    assert f"MLflow backend at {uri} is unreachable" in one_error_line(code, err)


def test_forced_promotion_past_a_failed_gate_is_audited(runs: Runs, lifecycle: Lifecycle) -> None:
    name = "forced_fraud"
    ok_json("registry", "register", "--name", name, "--version", "v1", "--model-uri", runs.good)
    lifecycle.client.set_model_version_tag(name, lifecycle.resolve(name, "v1").version, "gate_passed", "false")
    moved = ok_json("registry", "promote", "--name", name, "--version", "v1", "--force", "--reason", "hotfix")
    assert moved["reason"] == "forced past failed gate: hotfix"  # type: ignore[index]
