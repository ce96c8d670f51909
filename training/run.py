"""The training run: point-in-time data -> model -> evaluation gate -> MLflow registry."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from feast import FeatureStore

from feature_repo.derived import REQUEST_FEATURES
from training.dataset import feature_matrix, historical_features
from training.evaluation import Gate, GateVerdict, Metrics, evaluate, judge
from training.model import TrainingConfig, time_split, train
from training.registration import RegisteredModel, log_and_register

LABEL = "is_fraud"


@dataclass(frozen=True)
class TrainingOutcome:
    rows: int
    holdout_rows: int
    metrics: Metrics
    verdict: GateVerdict
    registered: RegisteredModel


def run_training(
    store: FeatureStore,
    transactions: pd.DataFrame,
    *,
    feature_service: str,
    tracking_uri: str,
    gate: Gate,
    config: TrainingConfig,
    promote: bool,
    progress: Callable[[str], None] = lambda _: None,
) -> TrainingOutcome:
    service = store.get_feature_service(feature_service)
    progress(f"point-in-time join of {len(transactions):,} label rows through {feature_service}")
    labels = transactions.loc[:, ["customer_id", "event_timestamp", *REQUEST_FEATURES[:1], LABEL]]
    training_set = historical_features(store, labels, service)
    features = feature_matrix(training_set)
    y = training_set.frame[LABEL].to_numpy()
    train_mask, holdout_mask = time_split(training_set.frame["event_timestamp"], config.holdout_share)
    progress(f"training on {int(train_mask.sum()):,} rows, holding out the latest {int(holdout_mask.sum()):,}")
    booster = train(features[train_mask], y[train_mask], training_set.model_features, config)
    metrics = evaluate(y[holdout_mask], np.asarray(booster.predict(features[holdout_mask])))
    verdict = judge(metrics, gate)
    progress(verdict.describe())
    params: dict[str, object] = {
        **config.params,
        "num_boost_round": config.num_boost_round,
        "holdout_share": config.holdout_share,
        "training_rows": int(train_mask.sum()),
    }
    registered = log_and_register(
        booster,
        tracking_uri=tracking_uri,
        feature_service=feature_service,
        features=training_set.model_features,
        params=params,
        metrics=metrics,
        verdict=verdict,
        promote=promote,
        reference=pd.DataFrame(features[train_mask], columns=list(training_set.model_features)),
    )
    return TrainingOutcome(
        rows=len(training_set.frame),
        holdout_rows=int(holdout_mask.sum()),
        metrics=metrics,
        verdict=verdict,
        registered=registered,
    )
