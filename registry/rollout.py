"""Rollouts over MLflow aliases: a candidate as ``canary`` (a share of customers) or ``shadow``.

The rollout state lives in the registry, not in any one process, so every worker of every
pod reads the same thing: the ``canary`` or ``shadow`` alias names the candidate, and tags on
the registered model hold the canary weight, when the rollout started and the analysis
policy it is judged by. Only one rollout runs at a time (one candidate alias), which keeps
"promote" and "abort" unambiguous. Every transition goes to the audit log with who, when, why.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlflow.exceptions import MlflowException

from core.names import CANARY, PRODUCTION, ROLLOUT_ALIASES, SHADOW
from registry import audit
from registry.audit import Transition
from registry.contract import (
    TAG_CANARY_WEIGHT,
    TAG_LIFECYCLE,
    TAG_ROLLOUT_POLICY,
    TAG_ROLLOUT_STARTED_AT,
    TAG_ROLLOUT_VERDICT,
)
from registry.errors import RegistryError
from registry.lifecycle import Lifecycle

ROLLOUT_TAGS = (TAG_CANARY_WEIGHT, TAG_ROLLOUT_STARTED_AT, TAG_ROLLOUT_POLICY, TAG_ROLLOUT_VERDICT)


@dataclass(frozen=True)
class RolloutState:
    """What serves: production, and the candidate (if any) with its mode and weight."""

    name: str
    production: str | None
    candidate: str | None
    mode: str | None
    """canary, shadow, or None when no rollout runs"""
    weight: float
    """percent of customers the canary serves (0 for shadow or no rollout)"""
    started_at: str | None
    policy: dict[str, Any] | None
    verdict: dict[str, Any] | None = None
    """The last analysis verdict written by `mlops rollout analyze`, if any."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "production": self.production,
            "candidate": self.candidate,
            "mode": self.mode,
            "canary_weight": self.weight,
            "started_at": self.started_at,
            "policy": self.policy,
            "verdict": self.verdict,
        }


def state_from(name: str, aliases: dict[str, str], tags: dict[str, str]) -> RolloutState:
    """Pure: the rollout a registered model's aliases and tags describe (the service reads this too)."""
    mode = next((alias for alias in ROLLOUT_ALIASES if alias in aliases), None)
    weight = 0.0
    if mode == CANARY:
        try:
            weight = min(100.0, max(0.0, float(tags.get(TAG_CANARY_WEIGHT, "0"))))
        except ValueError:
            weight = 0.0
    return RolloutState(
        name=name,
        production=aliases.get(PRODUCTION),
        candidate=aliases.get(mode) if mode else None,
        mode=mode,
        weight=weight,
        started_at=tags.get(TAG_ROLLOUT_STARTED_AT) if mode else None,
        policy=_json_tag(tags, TAG_ROLLOUT_POLICY) if mode else None,
        verdict=_json_tag(tags, TAG_ROLLOUT_VERDICT) if mode else None,
    )


def _json_tag(tags: dict[str, str], tag: str) -> dict[str, Any] | None:
    try:
        loaded = json.loads(tags[tag])
    except (KeyError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def check_weight(percent: float) -> None:
    if not 0 < percent <= 100:
        raise RegistryError(f"--canary must be a percentage above 0 and at most 100, got {percent:g}")


class Rollouts:
    """Start, read, promote and abort the one rollout of a registered model."""

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.client = lifecycle.client

    def state(self, name: str) -> RolloutState:
        model = self.lifecycle.model(name)
        aliases = {alias: str(version) for alias, version in (model.aliases or {}).items()}
        return state_from(name, aliases, dict(model.tags or {}))

    def start(
        self,
        name: str,
        ref: str,
        *,
        canary_percent: float | None,
        shadow: bool,
        policy: dict[str, Any] | None = None,
        reason: str = "",
    ) -> Transition:
        """Put ``ref`` on the canary (``canary_percent`` of customers) or shadow alias."""
        if shadow == (canary_percent is not None):
            raise RegistryError("say how to roll out: --canary PCT or --shadow (one of them)")
        if canary_percent is not None:
            check_weight(canary_percent)
        current = self.state(name)
        if current.production is None:
            raise RegistryError(f"{name} has no production version: promote one before starting a rollout")
        if current.mode is not None:
            raise RegistryError(
                f"{name} already has a {current.mode} rollout of version {current.candidate}:"
                " promote or abort it first (`mlops rollout promote` / `mlops rollout abort`)"
            )
        target = self.lifecycle.resolve(name, ref)
        if target.version == current.production:
            raise RegistryError(f"{name} {target.ref} is already production")
        if target.gate == "failed":
            raise RegistryError(f"{name} {target.ref} failed its evaluation gate: it may not take traffic")
        mode = SHADOW if shadow else CANARY
        # Microseconds, not seconds: the analysis counts log rows from this instant, and a
        # rollout started right after another must not inherit the last second of its rows.
        started = datetime.now(UTC).isoformat(timespec="microseconds")
        # Tags first, alias last: a service that sees the alias also sees its weight and policy.
        self.client.set_registered_model_tag(name, TAG_ROLLOUT_STARTED_AT, started)
        self.client.set_registered_model_tag(name, TAG_CANARY_WEIGHT, f"{canary_percent or 0:g}")
        self.client.set_registered_model_tag(name, TAG_ROLLOUT_POLICY, json.dumps(policy or {}, sort_keys=True))
        self.client.set_registered_model_alias(name, mode, target.version)
        self.client.set_model_version_tag(name, target.version, TAG_LIFECYCLE, mode)
        share = f"{canary_percent:g}% of customers" if canary_percent is not None else "every request, off the path"
        why = reason or f"start {mode} of {target.ref} ({share})"
        transition = audit.new_transition("rollout-start", mode, current.production, target.version, why)
        audit.append(self.client, name, transition)
        return transition

    def promote(self, name: str, *, reason: str = "") -> Transition:
        """The candidate becomes production (the old production is archived); the rollout ends."""
        current = self.state(name)
        if current.candidate is None or current.mode is None:
            raise RegistryError(f"{name} has no rollout to promote: start one with `mlops rollout start`")
        why = reason or f"promote {current.mode} version {current.candidate}"
        transition = self.lifecycle._move(
            name, PRODUCTION, current.production, current.candidate, action="rollout-promote", reason=why
        )
        self._clear(name, current.mode)
        return transition

    def abort(self, name: str, *, reason: str = "") -> Transition:
        """Remove the candidate alias: all traffic goes back to production at the next poll or reload."""
        current = self.state(name)
        if current.candidate is None or current.mode is None:
            raise RegistryError(f"{name} has no rollout to abort")
        self._clear(name, current.mode)
        why = reason or f"abort {current.mode} of version {current.candidate}"
        transition = audit.new_transition("rollout-abort", current.mode, current.candidate, current.production, why)
        audit.append(self.client, name, transition)
        return transition

    def record_verdict(self, name: str, verdict: dict[str, Any], *, audit_reason: str | None = None) -> None:
        """Keep the latest verdict on the model (``status`` shows it); audit it when it decided something."""
        self.client.set_registered_model_tag(name, TAG_ROLLOUT_VERDICT, json.dumps(verdict, sort_keys=True))
        if audit_reason is not None:
            current = self.state(name)
            mode = current.mode or "rollout"
            transition = audit.new_transition(
                "rollout-analysis", mode, current.production, current.candidate, audit_reason
            )
            audit.append(self.client, name, transition)

    def _clear(self, name: str, mode: str) -> None:
        # The alias goes first: it is what routes traffic; leftover tags without it mean nothing.
        self.client.delete_registered_model_alias(name, mode)
        for tag in ROLLOUT_TAGS:
            try:
                self.client.delete_registered_model_tag(name, tag)
            except MlflowException:
                continue
