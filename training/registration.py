"""Logging a trained model to MLflow and registering it as ``fraud_detector``.

The run records what the serving side needs to check compatibility: the feature service
name and the ordered feature list, stored on the run and on the model version, so the
service can refuse a model whose inputs do not match the Feast registry.
"""

import json
from dataclasses import dataclass

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from core.names import EXPERIMENT, MODEL_NAME, PRODUCTION
from core.paths import ProjectPaths
from registry.client import open_client
from registry.contract import METRIC_PREFIX, TAG_FEATURE_SERVICE, TAG_FEATURES, TAG_GATE_PASSED
from registry.lifecycle import Lifecycle
from registry.reference_profile import log_reference_profile
from training.evaluation import GateVerdict, Metrics


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    version: str
    run_id: str
    promoted: bool


def _experiment_id(client: MlflowClient, tracking_uri: str) -> str:
    existing = client.get_experiment_by_name(EXPERIMENT)
    if existing is not None:
        return str(existing.experiment_id)
    artifact_location = None
    if tracking_uri.startswith("sqlite:"):
        # Without this MLflow writes artifacts to ./mlruns of whatever folder the command runs in.
        artifact_location = (ProjectPaths.from_env().mlflow / "artifacts").resolve().as_uri()
    return str(client.create_experiment(EXPERIMENT, artifact_location=artifact_location))


def log_and_register(
    booster: lgb.Booster,
    *,
    tracking_uri: str,
    feature_service: str,
    features: tuple[str, ...],
    params: dict[str, object],
    metrics: Metrics,
    verdict: GateVerdict,
    promote: bool,
    model_name: str = MODEL_NAME,
    reference: pd.DataFrame | None = None,
) -> RegisteredModel:
    """Log the run, register a new version, and move ``production`` to it only if the gate passed.

    Promotion goes through the registry lifecycle, so the outgoing version is archived and
    the move is written to the audit log, exactly as `mlops registry promote` would.
    """
    mlflow.set_tracking_uri(tracking_uri)
    client = open_client(tracking_uri)
    experiment_id = _experiment_id(client, tracking_uri)
    tags = {
        TAG_FEATURE_SERVICE: feature_service,
        TAG_FEATURES: json.dumps(list(features)),
        TAG_GATE_PASSED: str(verdict.passed).lower(),
        "gate_metric": verdict.gate.metric,
        "gate_threshold": str(verdict.gate.threshold),
    }
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_params({key: str(value) for key, value in params.items()})
        mlflow.log_metrics(metrics.as_dict())
        mlflow.set_tags(tags)
        if reference is not None:  # the training inputs' profile, the baseline of `mlops monitor run`
            log_reference_profile(reference)
        info = mlflow.lightgbm.log_model(
            booster,
            name="model",
            registered_model_name=model_name,
            # Stated, not inferred: inference shells out to uv/pip and costs seconds per run.
            pip_requirements=[f"lightgbm=={lgb.__version__}", f"numpy=={np.__version__}"],
        )
    version = str(info.registered_model_version)
    version_tags = {**tags, **{f"{METRIC_PREFIX}{key}": repr(value) for key, value in metrics.as_dict().items()}}
    for key, value in version_tags.items():
        client.set_model_version_tag(model_name, version, key, value)
    promoted = promote and verdict.passed
    if promoted:
        Lifecycle(client).promote(
            model_name, version, PRODUCTION, reason=f"mlops train --promote: {verdict.describe()}"
        )
    return RegisteredModel(name=model_name, version=version, run_id=run.info.run_id, promoted=promoted)
