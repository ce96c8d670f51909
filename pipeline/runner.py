"""Running a pipeline definition stage by stage with the vertical slice's own code.

The gate decides deployment: a model below the threshold (or, when configured, worse than
the current production version by more than ``max_regression``) is registered with
``gate_passed=false`` for the record, and production is left untouched. After a deploy,
``rollback.verify = "load"`` loads the new production version the way the service will;
if that fails and ``rollback.automatic`` is set, production moves back at once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from feast import FeatureStore

from core.names import PRODUCTION
from pipeline.definition import PipelineDefinition
from pipeline.stages import (
    DeployStage,
    EvaluateStage,
    FetchDataStage,
    PreprocessStage,
    RegisterStage,
    TrainStage,
    ValidateStage,
)
from registry.client import open_client
from registry.contract import PARAM_TRAINING_DATA_END
from registry.lifecycle import Lifecycle
from training.data_checks import DataValidationError, check_training_data
from training.dataset import TrainingSet, feature_matrix, historical_features
from training.evaluation import Gate, GateVerdict, Metrics, evaluate, judge
from training.model import TrainingConfig, time_split, train
from training.registration import RegisteredModel, log_and_register
from training.run import LABEL


class GateFailedError(RuntimeError):
    """The candidate did not pass the evaluation gate; production was not touched."""


@dataclass
class RunState:
    transactions: pd.DataFrame | None = None
    training_set: TrainingSet | None = None
    features: np.ndarray | None = None
    masks: tuple[np.ndarray, np.ndarray] | None = None
    config: TrainingConfig = field(default_factory=TrainingConfig)
    booster: lgb.Booster | None = None
    metrics: Metrics | None = None
    verdict: GateVerdict | None = None
    registered: RegisteredModel | None = None
    deployed: str | None = None
    log: list[str] = field(default_factory=list)


@dataclass
class PipelineRunner:
    definition: PipelineDefinition
    store: FeatureStore
    tracking_uri: str
    default_transactions: Path
    progress: Callable[[str], None] = lambda _: None
    training_window: timedelta | None = None
    """Keep only the transactions this close to the newest one (`mlops retrain`'s current window)."""
    skip_types: frozenset[str] = frozenset()
    """Stage types not to run (`mlops retrain` registers, then starts a canary instead of deploying)."""
    state: RunState = field(default_factory=RunState)

    def run(self) -> RunState:
        """Each stage in execution order; one that raises stops the run before anything after it."""
        for stage in self.definition.stages:
            if stage.type in self.skip_types:
                self.progress(f"[{stage.id}] {stage.type}: skipped")
                continue
            self.progress(f"[{stage.id}] {stage.type}")
            getattr(self, f"_{stage.type}")(stage)
        return self.state

    def _fetch_data(self, stage: FetchDataStage) -> None:
        path = Path(stage.params.transactions or self.default_transactions)
        if not path.exists():
            raise FileNotFoundError(f"no transactions at {path}: run `mlops data generate` first")
        transactions = pd.read_parquet(path)
        if self.training_window is not None and not transactions.empty:
            since = transactions["event_timestamp"].max() - self.training_window
            transactions = transactions[transactions["event_timestamp"] >= since].reset_index(drop=True)
            self.progress(f"training window: {len(transactions):,} transactions since {since}")
        self.state.transactions = transactions

    def _validate(self, stage: ValidateStage) -> None:
        assert self.state.transactions is not None
        problems = check_training_data(self.state.transactions, stage.params.model_dump(exclude_none=True))
        if problems:
            raise DataValidationError(problems)

    def _preprocess(self, stage: PreprocessStage) -> None:
        assert self.state.transactions is not None
        share = stage.params.holdout_share
        self.state.config = TrainingConfig() if share is None else TrainingConfig(holdout_share=share)
        service = self.store.get_feature_service(self.definition.feature_service)
        labels = self.state.transactions.loc[:, ["customer_id", "event_timestamp", "amount", LABEL]]
        training_set = historical_features(self.store, labels, service)
        self.state.training_set, self.state.features = training_set, feature_matrix(training_set)
        self.state.masks = time_split(training_set.frame["event_timestamp"], self.state.config.holdout_share)

    def _train(self, stage: TrainStage) -> None:
        assert self.state.training_set is not None and self.state.features is not None and self.state.masks is not None
        base = self.state.config
        params: dict[str, float | int | str] = {**base.params, **stage.params.params}
        rounds = stage.params.num_boost_round
        self.state.config = TrainingConfig(
            num_boost_round=base.num_boost_round if rounds is None else rounds,
            holdout_share=base.holdout_share,
            params=params,
        )
        train_mask, _ = self.state.masks
        y = self.state.training_set.frame[LABEL].to_numpy()
        names = self.state.training_set.model_features
        self.state.booster = train(self.state.features[train_mask], y[train_mask], names, self.state.config)

    def _evaluate(self, stage: EvaluateStage) -> None:
        assert self.state.booster is not None and self.state.training_set is not None and self.state.masks is not None
        assert self.state.features is not None
        _, holdout = self.state.masks
        y = self.state.training_set.frame[LABEL].to_numpy()
        self.state.metrics = evaluate(y[holdout], np.asarray(self.state.booster.predict(self.state.features[holdout])))
        gate = stage.params.gate
        if gate is None:  # a metrics-only stage: the gated one upstream of deploy decides
            self.progress(f"{stage.id}: no gate on this stage, metrics recorded")
            return
        threshold, metric = gate.threshold, gate.metric
        if gate.compare_to_production:
            baseline = self._production_metric(metric, holdout)
            if baseline is not None:
                threshold = max(threshold, baseline - gate.max_regression)
                self.progress(f"production {metric} = {baseline:.4f}; gate threshold now {threshold:.4f}")
        self.state.verdict = judge(self.state.metrics, Gate(metric=metric, threshold=threshold))
        self.progress(self.state.verdict.describe())

    def _production_metric(self, metric: str, holdout: np.ndarray) -> float | None:
        """Production's ``metric`` on this run's holdout; its recorded one if it cannot score these features.

        On the same rows, or the comparison is unfair whenever the data moved: after drift, the
        candidate's holdout holds the shifted rows that production's recorded evaluation never saw.
        """
        from inference.model import ModelUnavailableError, load_model

        assert self.state.training_set is not None and self.state.features is not None
        lifecycle = Lifecycle(open_client(self.tracking_uri))
        try:
            current = lifecycle.client.get_model_version_by_alias(self.definition.model, PRODUCTION)
        except Exception:  # no model or no alias yet: nothing to compare against
            return None
        try:
            production = load_model(self.tracking_uri, self.definition.model, PRODUCTION)
        except ModelUnavailableError:
            production = None
        if production is not None and production.features == self.state.training_set.model_features:
            y = self.state.training_set.frame[LABEL].to_numpy()[holdout]
            scores = np.asarray(production.booster.predict(self.state.features[holdout]))
            self.progress(f"production (version {production.version}) scored on this run's holdout")
            return evaluate(y, scores).as_dict()[metric]
        version = lifecycle.with_run_details(lifecycle.resolve(self.definition.model, str(current.version)))
        self.progress(f"production (version {current.version}) has other inputs: its recorded {metric} is the bar")
        return version.metrics.get(metric)

    def _register(self, stage: RegisterStage) -> None:
        state = self.state
        assert state.booster is not None and state.training_set is not None and state.masks is not None
        assert state.metrics is not None and state.verdict is not None and state.features is not None
        params: dict[str, object] = {
            **state.config.params,
            "num_boost_round": state.config.num_boost_round,
            "holdout_share": state.config.holdout_share,
            "training_rows": int(state.masks[0].sum()),
            "pipeline": self.definition.name,
            PARAM_TRAINING_DATA_END: pd.Timestamp(state.training_set.frame["event_timestamp"].max()).isoformat(),
        }
        state.registered = log_and_register(
            state.booster,
            tracking_uri=self.tracking_uri,
            feature_service=self.definition.feature_service,
            features=state.training_set.model_features,
            params=params,
            metrics=state.metrics,
            verdict=state.verdict,
            promote=False,
            model_name=self.definition.model,
            reference=pd.DataFrame(state.features[state.masks[0]], columns=list(state.training_set.model_features)),
        )
        self.progress(f"registered {state.registered.name} version {state.registered.version}")

    def _deploy(self, stage: DeployStage) -> None:
        state = self.state
        assert state.registered is not None and state.verdict is not None
        if not state.verdict.passed:
            raise GateFailedError(f"{state.verdict.describe()}; version {state.registered.version} not deployed")
        target_stage = stage.params.stage
        lifecycle = Lifecycle(open_client(self.tracking_uri))
        reason = f"pipeline {self.definition.name}: {state.verdict.describe()}"
        lifecycle.promote(self.definition.model, state.registered.version, target_stage, reason=reason)
        state.deployed = target_stage
        self.progress(f"{self.definition.model} {target_stage} -> version {state.registered.version}")
        if target_stage == PRODUCTION and self.definition.rollback.verify == "load":
            self._verify_or_roll_back(lifecycle)

    def _verify_or_roll_back(self, lifecycle: Lifecycle) -> None:
        from inference.model import ModelIncompatibleError, ModelUnavailableError, check_compatible, load_model

        service = self.store.get_feature_service(self.definition.feature_service)
        store_features = tuple(f.name for p in service.feature_view_projections for f in p.features)
        try:
            loaded = load_model(self.tracking_uri, self.definition.model, PRODUCTION)
            check_compatible(loaded, self.definition.feature_service, store_features)
        except (ModelUnavailableError, ModelIncompatibleError) as error:
            if self.definition.rollback.automatic:
                lifecycle.rollback(self.definition.model, reason=f"automatic rollback: verification failed: {error}")
                raise RuntimeError(f"deployed version failed verification and was rolled back: {error}") from error
            raise
        self.progress(f"verified: production loads and fits {self.definition.feature_service}")
