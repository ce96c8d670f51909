"""`mlops rollout start|status|promote|abort` against the real MLflow backend: aliases, tags, audit."""

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from mlops.main import app
from registry.contract import TAG_ROLLOUT_STARTED_AT
from registry.lifecycle import Lifecycle
from registry.rollout import state_from
from registry.version_labels import register
from tests.fixtures.registry_runs import Runs

pytestmark = pytest.mark.integration
runner = CliRunner()
MODEL = "rollout_cli_fraud"


def mlops(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str) -> dict[str, object]:
    code, out, err = mlops(*args, "--name", MODEL, "--json")
    assert code == 0, err
    loaded = json.loads(out)
    assert isinstance(loaded, dict)
    return loaded


def error_line(*args: str) -> str:
    code, _, err = mlops(*args, "--name", MODEL)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_canary_then_promote_archives_and_shadow_then_abort_leaves_production(runs: Runs, lifecycle: Lifecycle) -> None:
    versions = [
        register(
            lifecycle,
            name=MODEL,
            label=label,
            metrics={},
            params={},
            model_uri=runs.good,
            tracking_uri=runs.tracking_uri,
        ).version
        for label in ("v1", "v2", "v3")
    ]
    v1, v2, v3 = versions
    assert "no production version" in error_line("rollout", "start", "--version", "v2", "--canary", "20")
    lifecycle.promote(MODEL, "v1", "production", reason="baseline")
    assert "--canary PCT or --shadow" in error_line("rollout", "start", "--version", "v2")
    assert "at most 100" in error_line("rollout", "start", "--version", "v2", "--canary", "150")
    assert "already production" in error_line("rollout", "start", "--version", "v1", "--canary", "5")

    before = datetime.now(UTC)
    started = ok_json("rollout", "start", "--version", "v2", "--canary", "20", "--reason", "try v2")
    # The analysis window opens at started_at: truncated to the second it would take in the
    # rows of whatever ran up to a second before (the CI failure of the rollout-life fixture).
    assert before <= datetime.fromisoformat(lifecycle.model(MODEL).tags[TAG_ROLLOUT_STARTED_AT]) <= datetime.now(UTC)
    assert (started["stage"], started["from_version"], started["to_version"]) == ("canary", v1, v2)
    status = ok_json("rollout", "status")
    assert (status["mode"], status["candidate"], status["production"], status["canary_weight"]) == (
        "canary",
        v2,
        v1,
        20.0,
    )
    assert status["policy"]["min_requests"] >= 1  # type: ignore[index]
    assert "already has a canary" in error_line("rollout", "start", "--version", "v3", "--shadow")

    promoted = ok_json("rollout", "promote", "--reason", "looked good")
    assert (promoted["stage"], promoted["from_version"], promoted["to_version"]) == ("production", v1, v2)
    model = lifecycle.model(MODEL)
    assert {k: str(v) for k, v in model.aliases.items()} == {"production": v2, "archived": v1}
    assert not [tag for tag in model.tags if tag.startswith("rollout.")]

    ok_json("rollout", "start", "--version", v3, "--shadow")
    assert ok_json("rollout", "status")["mode"] == "shadow"
    aborted = ok_json("rollout", "abort", "--reason", "enough")
    assert (aborted["action"], aborted["from_version"], aborted["to_version"]) == ("rollout-abort", v3, v2)
    assert ok_json("rollout", "status")["mode"] is None
    assert "no rollout to abort" in error_line("rollout", "abort")
    actions = [(t.action, t.reason) for t in lifecycle.history(MODEL) if t.action.startswith("rollout")]
    assert actions == [
        ("rollout-start", "try v2"),
        ("rollout-promote", "looked good"),
        ("rollout-start", "start shadow of v3 (every request, off the path)"),
        ("rollout-abort", "enough"),
    ]


def test_state_from_tags_clamps_weight_and_ignores_tags_without_an_alias() -> None:
    tags = {"rollout.canary_weight": "250", "rollout.policy": "not json"}
    canary = state_from("m", {"production": "1", "canary": "2"}, tags)
    assert (canary.mode, canary.candidate, canary.weight, canary.policy) == ("canary", "2", 100.0, None)
    idle = state_from("m", {"production": "1"}, {"rollout.canary_weight": "30"})
    assert (idle.mode, idle.candidate, idle.weight) == (None, None, 0.0)
    shadow = state_from("m", {"production": "1", "shadow": "3"}, {"rollout.canary_weight": "30"})
    assert (shadow.mode, shadow.weight) == ("shadow", 0.0)
