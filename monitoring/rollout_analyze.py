"""One rollout analysis: read what each variant served, judge it, and promote or abort per policy.

The registry says what runs (``Rollouts.state``), the prediction log says what was served,
``judge`` says whether it is good enough; the policy is the one copied onto the model when
the rollout started. A decisive verdict is acted on (when the policy allows) and written to
the audit log as the reason of the promotion or abort, or as an analysis entry of its own;
every verdict is kept on the model so ``mlops rollout status`` shows the latest.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring.prediction_logs import read_predictions
from monitoring.rollout_accuracy import accuracy_check
from monitoring.rollout_analysis import Verdict, judge
from monitoring.rollout_samples import describe, variant_samples
from monitoring.tables import DriftInputError
from registry.rollout import Rollouts, RolloutState
from registry.rollout_policy import policy_from


@dataclass(frozen=True)
class Analysis:
    state: RolloutState
    age_seconds: float
    variants: dict[str, dict[str, Any]]
    verdict: Verdict
    action: str = "none"
    """promoted, aborted, or none"""
    transition: dict[str, Any] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.state.name,
            "production": self.state.production,
            "candidate": self.state.candidate,
            "mode": self.state.mode,
            "canary_weight": self.state.weight,
            "age_seconds": round(self.age_seconds, 1),
            "variants": self.variants,
            "verdict": self.verdict.as_dict(),
            "action": self.action,
            "transition": self.transition,
        }


def _served(log_dir: Path, since: datetime) -> pd.DataFrame:
    try:
        return read_predictions(log_dir, since)
    except DriftInputError:
        return pd.DataFrame()  # nothing logged yet: the verdict is pending, not an error


@dataclass(frozen=True)
class LabelSource:
    """Delayed labels for the accuracy check (`analyze --labels`)."""

    frame: pd.DataFrame
    label_column: str = "is_fraud"
    tolerance: timedelta = timedelta(minutes=1)


def assess(rollouts: Rollouts, name: str, log_dir: Path, labels: LabelSource | None = None) -> Analysis | None:
    """The verdict of the running rollout without acting on it; None when none runs."""
    state = rollouts.state(name)
    if state.mode is None or state.candidate is None or state.production is None:
        return None
    started = datetime.fromisoformat(state.started_at) if state.started_at else datetime.now(UTC)
    age = (datetime.now(UTC) - started).total_seconds()
    policy = policy_from(state.policy or {}, f"{name} rollout policy tag").model_dump()
    served = _served(log_dir, started)
    production, candidate = variant_samples(served, state.mode, state.production, state.candidate)
    extra = []
    if labels is not None:
        extra.append(
            accuracy_check(
                served,
                labels.frame,
                mode=state.mode,
                production=state.production,
                candidate=state.candidate,
                policy=policy,
                label_column=labels.label_column,
                tolerance=labels.tolerance,
            )
        )
    verdict = judge(production, candidate, age, policy, extra)
    variants = {"production": describe(production), state.mode: describe(candidate)}
    return Analysis(state, age, variants, verdict)


def _reason(verdict: Verdict) -> str:
    failed = [f"{check.name} ({check.detail})" for check in verdict.checks if not check.passed]
    if verdict.result == "pass":
        return "analysis passed: " + "; ".join(f"{check.name} ({check.detail})" for check in verdict.checks)
    return "analysis failed: " + "; ".join(failed)


def analyze_once(rollouts: Rollouts, name: str, log_dir: Path, labels: LabelSource | None = None) -> Analysis | None:
    """Assess, then promote on pass / abort on fail as the rollout's policy says; record the verdict."""
    analysis = assess(rollouts, name, log_dir, labels)
    if analysis is None:
        return None
    verdict, state = analysis.verdict, analysis.state
    policy = policy_from(state.policy or {}, f"{name} rollout policy tag")
    record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **verdict.as_dict()}
    if verdict.result == "pending":
        rollouts.record_verdict(name, record)
        return analysis
    reason = _reason(verdict)[:900]
    acts = policy.auto_promote if verdict.result == "pass" else policy.auto_abort
    if not acts:
        rollouts.record_verdict(name, record, audit_reason=f"{reason} (policy: no automatic action)")
        return analysis
    rollouts.record_verdict(name, record)
    if verdict.result == "pass":
        transition, action = rollouts.promote(name, reason=reason), "promoted"
    else:
        transition, action = rollouts.abort(name, reason=reason), "aborted"
    return Analysis(state, analysis.age_seconds, analysis.variants, verdict, action, transition.as_dict())
