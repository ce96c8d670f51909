"""`mlops rollout analyze --watch` on a real service's prediction log: a bad canary is aborted, a good one promoted."""

from typing import Any

import pytest

from registry.lifecycle import Lifecycle
from tests.fixtures.rollout_life import MODEL

pytestmark = pytest.mark.integration


def _last(analysis: dict[str, Any]) -> dict[str, Any]:
    assert analysis["runs"], analysis["stderr"]
    last: dict[str, Any] = analysis["runs"][-1]
    return last


def _aborted(analysis: dict[str, Any], candidate: str) -> dict[str, Any]:
    """The last run, after asserting it failed the verdict and aborted ``candidate`` (exit 1)."""
    last = _last(analysis)
    assert analysis["exit_code"] == 1
    assert (last["action"], last["verdict"]["result"], last["candidate"]) == ("aborted", "fail", candidate)
    return last


def test_a_canary_scoring_everything_high_is_aborted_on_its_score_distribution(rollout_life: dict[str, Any]) -> None:
    analysis = rollout_life["bad_canary_analysis"]
    last = _aborted(analysis, rollout_life["bad_canary"])
    failed = {check["name"] for check in last["verdict"]["checks"] if not check["passed"]}
    assert {"score_ks", "score_psi"} <= failed
    assert "error_rate" not in failed
    assert last["variants"]["canary"]["requests"] >= 20
    assert last["variants"]["canary"]["mean_score"] > 0.8 > last["variants"]["production"]["mean_score"]
    assert all(run["verdict"]["result"] == "pending" for run in analysis["runs"][:-1])


def test_a_canary_like_production_is_promoted_and_the_verdicts_are_audited(
    rollout_life: dict[str, Any], lifecycle: Lifecycle
) -> None:
    analysis = rollout_life["good_canary_analysis"]
    last = _last(analysis)
    assert analysis["exit_code"] == 0, analysis["stderr"]
    assert (last["action"], last["verdict"]["result"]) == ("promoted", "pass")
    assert {check["name"] for check in last["verdict"]["checks"]} == {
        "error_rate",
        "p99_latency",
        "score_psi",
        "score_ks",
    }
    model = lifecycle.model(MODEL)
    assert {alias: str(version) for alias, version in model.aliases.items()} == {
        "production": rollout_life["v2"],
        "archived": rollout_life["v1"],
    }
    assert not [tag for tag in model.tags if tag.startswith("rollout.")]
    history = lifecycle.history(MODEL)
    aborted = [t for t in history if t.action == "rollout-abort" and t.from_version == rollout_life["bad_canary"]]
    promoted = [t for t in history if t.action == "rollout-promote"]
    assert len(aborted) == 1 and aborted[0].reason.startswith("analysis failed: ") and "score_ks" in aborted[0].reason
    assert len(promoted) == 1 and promoted[0].reason.startswith("analysis passed: ")
    assert promoted[0].to_version == rollout_life["v2"]


def test_a_canary_whose_requests_fail_is_aborted_on_the_error_rate_and_production_answers_them(
    rollout_life: dict[str, Any],
) -> None:
    last = _aborted(rollout_life["failing_canary_analysis"], rollout_life["bad_shadow"])
    checks = {check["name"]: check for check in last["verdict"]["checks"]}
    assert not checks["error_rate"]["passed"]
    canary, production = last["variants"]["canary"], last["variants"]["production"]
    assert canary["errors"] >= 20 and canary["error_rate"] == 1.0  # amount 20 extrapolates past 1 every time
    assert production["errors"] == 0
    answers = rollout_life["failing_canary_answers"]
    assert len(answers) >= 120
    assert {(answer.status, answer.variant, answer.version) for answer in answers} == {
        (200, "production", rollout_life["v1"])
    }
    assert all(0.0 <= answer.probability <= 1.0 for answer in answers)
