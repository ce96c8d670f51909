"""Registry fixtures: versions registered under test-only model names, so the session's
``fraud_detector@production`` (used by other tests' services) never moves."""

import json
import os
from dataclasses import dataclass

import lightgbm as lgb
import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from training.lifecycle import Lifecycle
from training.pipeline import TrainingOutcome


@dataclass(frozen=True)
class Runs:
    good: str
    """runs:/ URI of the session's trained model (loads, fits the feature service, warms up)."""
    broken: str
    """runs:/ URI of a booster that claims the right inputs but was trained on three columns."""
    tracking_uri: str


@pytest.fixture(scope="session")
def runs(trained_model: TrainingOutcome) -> Runs:
    uri = os.environ["MLFLOW_TRACKING_URI"]
    client = MlflowClient(tracking_uri=uri)
    contract = client.get_run(trained_model.registered.run_id).data.tags
    rng = np.random.default_rng(3)
    features = rng.normal(size=(300, 3))
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "num_threads": 1},
        lgb.Dataset(features, label=(features[:, 0] > 0).astype(int)),
        num_boost_round=3,
    )
    mlflow.set_tracking_uri(uri)
    experiment = client.get_experiment_by_name("fraud_detector")
    assert experiment is not None
    with mlflow.start_run(experiment_id=experiment.experiment_id) as run:
        mlflow.set_tags({key: contract[key] for key in ("feature_service", "features")} | {"gate_passed": "true"})
        mlflow.lightgbm.log_model(booster, name="model", pip_requirements=["lightgbm"])
    assert json.loads(contract["features"])  # the broken model claims the real feature list
    return Runs(
        good=f"runs:/{trained_model.registered.run_id}/model", broken=f"runs:/{run.info.run_id}/model", tracking_uri=uri
    )


@pytest.fixture(scope="session")
def lifecycle(runs: Runs) -> Lifecycle:
    return Lifecycle(MlflowClient(tracking_uri=runs.tracking_uri, registry_uri=runs.tracking_uri))
