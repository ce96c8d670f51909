"""`mlops retrain`: evaluate the triggers, and on one train, gate, register and start a canary.

A retrain never promotes. The candidate goes through the pipeline's own stages up to
registration (the evaluation gate and its compare-to-production rule included), and a
passing candidate becomes a **canary** at the rollout policy's weight; `mlops rollout
analyze` then promotes or aborts it on live traffic. The run record (what fired, what
became of it) is kept on the registered model, where the next run reads its cool-down,
and each triggered run is written to the registry's audit log.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from feast import FeatureStore
from mlflow.exceptions import MlflowException

from core.names import PRODUCTION
from pipeline import retrain_triggers
from pipeline.definition import PipelineDefinition
from pipeline.retrain_policy import RetrainPolicy
from pipeline.retrain_triggers import Trigger
from pipeline.runner import PipelineRunner
from registry import audit
from registry.client import open_client
from registry.contract import PARAM_TRAINING_DATA_END, TAG_RETRAIN_LAST, TAG_RETRAIN_TRIGGER
from registry.errors import RegistryError
from registry.lifecycle import Lifecycle
from registry.rollout import Rollouts
from registry.rollout_policy import AnalysisPolicy

OUTCOMES = ("no_trigger", "cooldown", "rollout_in_progress", "would_retrain", "canary_started", "gate_failed", "failed")
"""Every way a run ends; ``gate_failed`` and ``failed`` exit non-zero, so a scheduler shows them."""


@dataclass
class RetrainRecord:
    """What one `mlops retrain` saw and did, as printed (``--json``) and kept on the registered model."""

    model: str
    at: str
    triggers: list[dict[str, object]]
    outcome: str = "no_trigger"
    detail: str = ""
    production: str | None = None
    candidate: str | None = None
    gate: dict[str, object] | None = None
    canary_weight: float | None = None
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if key != "log"}


@dataclass
class Retrainer:
    spec: PipelineDefinition
    store: FeatureStore
    tracking_uri: str
    log_dir: Path
    transactions: Path
    progress: Callable[[str], None] = lambda _: None

    @property
    def policy(self) -> RetrainPolicy:
        return self.spec.document.retrain or RetrainPolicy()

    def run(self, *, force: bool = False, dry_run: bool = False, now: datetime | None = None) -> RetrainRecord:
        """One evaluation; trains only when a trigger fired, the cool-down is over and no rollout runs."""
        started, moment = time.monotonic(), now or datetime.now(UTC)
        lifecycle = Lifecycle(open_client(self.tracking_uri))
        rollouts = Rollouts(lifecycle)
        name = self.spec.model
        state = rollouts.state(name)
        if state.production is None:
            raise RegistryError(f"{name} has no production version: run `mlops pipeline run` first")
        triggers = self.evaluate(lifecycle, state.production, moment)
        if force:
            triggers.append(Trigger("manual", True, "--force"))
        record = RetrainRecord(name, moment.isoformat(timespec="seconds"), [t.as_dict() for t in triggers])
        record.production = state.production
        fired = [trigger for trigger in triggers if trigger.fired]
        for trigger in triggers:
            self.progress(f"{trigger.kind}: {'FIRED' if trigger.fired else 'quiet'}: {trigger.detail}")
        if not fired:
            return self._end(record, started, "no_trigger", "no trigger fired")
        last = last_run(lifecycle, name)
        cooldown = self.policy.span("cooldown")
        if last is not None and not force and cooldown is not None:
            since = moment - datetime.fromisoformat(str(last["at"]))
            if since < cooldown:
                detail = (
                    f"the last triggered run was {since.total_seconds():.0f}s ago (cool-down {self.policy.cooldown})"
                )
                return self._end(record, started, "cooldown", detail)
        if state.mode is not None:
            detail = f"a {state.mode} of version {state.candidate} is running: promote or abort it first"
            return self._end(record, started, "rollout_in_progress", detail)
        if dry_run:
            return self._end(record, started, "would_retrain", "--dry-run: nothing trained")
        record.outcome, record.detail = "training", "started"
        save(lifecycle, record)  # the cool-down counts from now, even if this run dies mid-way
        return self._train(lifecycle, rollouts, record, fired, started)

    def evaluate(self, lifecycle: Lifecycle, production: str, now: datetime) -> list[Trigger]:
        """Every trigger the policy switches on, in a fixed order."""
        policy, name, found = self.policy, self.spec.model, []
        if policy.drift is not None:
            found.append(
                retrain_triggers.drift(
                    policy.drift, log_dir=self.log_dir, tracking_uri=self.tracking_uri, model=name, now=now
                )
            )
        if policy.accuracy is not None:
            found.append(
                retrain_triggers.accuracy(
                    policy.accuracy,
                    log_dir=self.log_dir,
                    tracking_uri=self.tracking_uri,
                    model=name,
                    production=production,
                    now=now,
                )
            )
        after = policy.span("new_data")
        if after is not None:
            details = lifecycle.with_run_details(lifecycle.resolve(name, production))
            trained_until = details.params.get(PARAM_TRAINING_DATA_END)
            found.append(retrain_triggers.new_data(after, transactions=self.transactions, trained_until=trained_until))
        max_age = policy.span("max_model_age")
        if max_age is not None:
            current = lifecycle.client.get_model_version_by_alias(name, PRODUCTION)
            found.append(retrain_triggers.schedule(max_age, production=current, now=now))
        return found

    def _train(
        self, lifecycle: Lifecycle, rollouts: Rollouts, record: RetrainRecord, fired: list[Trigger], started: float
    ) -> RetrainRecord:
        runner = PipelineRunner(
            self.spec,
            self.store,
            self.tracking_uri,
            self.transactions,
            progress=partial(_tee, record.log, self.progress),
            training_window=self.policy.span("training_window"),
            skip_types=frozenset({"deploy"}),
        )
        try:
            state = runner.run()
        except Exception as error:  # recorded as failed for the audit log, then reported by the CLI
            self._end(record, started, "failed", str(error).splitlines()[0] if str(error) else repr(error), lifecycle)
            raise
        if state.registered is None or state.verdict is None:
            raise RegistryError(f"{self.spec.name} has no register stage after a gated evaluate: nothing to canary")
        version, verdict = state.registered.version, state.verdict
        record.candidate = version
        record.gate = {"metric": verdict.gate.metric, "threshold": verdict.gate.threshold, "value": verdict.value}
        why = "; ".join(f"{trigger.kind}: {trigger.detail}" for trigger in fired)
        lifecycle.client.set_model_version_tag(
            self.spec.model, version, TAG_RETRAIN_TRIGGER, json.dumps([t.as_dict() for t in fired])
        )
        if not verdict.passed:
            return self._end(record, started, "gate_failed", f"{verdict.describe()}; no canary", lifecycle)
        rollout_policy = (self.spec.document.rollout or AnalysisPolicy()).model_dump()
        weight = float(rollout_policy["canary_weight"])
        rollouts.start(
            self.spec.model,
            version,
            canary_percent=weight,
            shadow=False,
            policy=rollout_policy,
            reason=f"retrain: {why}",
        )
        record.canary_weight = weight
        detail = f"version {version} ({verdict.describe()}) serves {weight:g}% of customers as canary"
        return self._end(record, started, "canary_started", detail, lifecycle)

    def _end(
        self, record: RetrainRecord, started: float, outcome: str, detail: str, lifecycle: Lifecycle | None = None
    ) -> RetrainRecord:
        record.outcome, record.detail, record.seconds = outcome, detail, round(time.monotonic() - started, 3)
        if lifecycle is not None:  # a run that trained: keep it for the cool-down and the audit log
            save(lifecycle, record)
            transition = audit.new_transition(
                "retrain", outcome, record.production, record.candidate, f"{outcome}: {detail}"
            )
            audit.append(lifecycle.client, record.model, transition)
        self.progress(f"{outcome}: {detail}")
        return record


def _tee(log: list[str], progress: Callable[[str], None], line: str) -> None:
    log.append(line)
    progress(line)


def save(lifecycle: Lifecycle, record: RetrainRecord) -> None:
    lifecycle.client.set_registered_model_tag(record.model, TAG_RETRAIN_LAST, json.dumps(record.as_dict()))


def last_run(lifecycle: Lifecycle, name: str) -> dict[str, object] | None:
    """The last triggered run's record, or None (never ran, or a tag no longer readable)."""
    try:
        text = (lifecycle.model(name).tags or {}).get(TAG_RETRAIN_LAST)
        loaded = json.loads(text) if text else None
    except (MlflowException, ValueError):
        return None
    return loaded if isinstance(loaded, dict) and "at" in loaded else None
