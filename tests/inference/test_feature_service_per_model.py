"""A v1 production and a v2 canary served side by side, each through its own feature service.

Real Redis, Feast, MLflow and ``mlops serve`` over HTTP: production is trained on
``fraud_detector_v1``, the canary on ``fraud_detector_v2`` (v1 plus the streamed velocities),
and every answer must be its booster's score of the features it says it used, with the
velocity values that were pushed online.
"""

import os
from datetime import UTC, datetime, timedelta

import httpx
import mlflow.lightgbm
import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore
from feast.data_source import PushMode

from core.velocity import FEATURES as VELOCITY
from inference.rollout_routing import in_canary
from registry.lifecycle import Lifecycle
from registry.rollout import Rollouts
from stack.feast_repo import write_repo
from stack.redis_server import LocalRedis
from tests.conftest import DATA_END, SESSION_DIR, free_port
from tests.service_process import running_service
from training.dataset import feature_matrix, historical_features
from training.evaluation import Gate, evaluate, judge
from training.model import TrainingConfig, train
from training.registration import log_and_register
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

MODEL = "per_service_fraud"
TOKEN = "per-service-token"
WEIGHT = 50.0


def _register(store: FeatureStore, data: GeneratedData, service: str, recorded: str | None = None) -> str:
    """Train on ``service`` and register the version as trained on ``recorded`` (default: the same)."""
    labels = data.transactions.loc[:, ["customer_id", "event_timestamp", "amount", "is_fraud"]]
    training = historical_features(store, labels, store.get_feature_service(service))
    features, y = feature_matrix(training), training.frame["is_fraud"].to_numpy()
    booster = train(features, y, training.model_features, TrainingConfig(num_boost_round=20))
    metrics = evaluate(y, np.asarray(booster.predict(features)))
    registered = log_and_register(
        booster,
        tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
        feature_service=recorded or service,
        features=training.model_features,
        params={},
        metrics=metrics,
        verdict=judge(metrics, Gate("auc", 0.5)),
        promote=False,
        model_name=MODEL,
    )
    return registered.version


@pytest.fixture(scope="module")
def side_by_side(redis_server: LocalRedis, generated_data: GeneratedData, lifecycle: Lifecycle) -> dict[str, object]:
    from feature_repo.customer_stats import customer_stats
    from feature_repo.customer_txn_velocity import customer_txn_velocity, customer_txn_velocity_push
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1, fraud_detector_v2

    repo = write_repo(SESSION_DIR / "per-service", "fraud_per_service")
    store = FeatureStore(repo_path=str(repo))
    views = [customer_stats, customer_txn_velocity]
    store.apply([customer, customer_txn_velocity_push, *views, fraud_detector_v1, fraud_detector_v2])
    store.materialize(DATA_END - timedelta(days=30), datetime.now(UTC), feature_views=["customer_stats"])
    stats = generated_data.customer_stats
    customers = sorted(
        int(c) for c in stats.loc[stats["event_timestamp"] == stats["event_timestamp"].max(), "customer_id"]
    )[:60]
    pushed = pd.DataFrame(
        {
            "customer_id": customers,
            "event_timestamp": [datetime.now(UTC)] * len(customers),
            "txn_count_10m": [i % 4 + 1 for i in range(len(customers))],
            "txn_amount_10m": [12.5 * (i + 1) for i in range(len(customers))],
            "txn_count_1h": [i % 7 + 2 for i in range(len(customers))],
            "txn_amount_1h": [40.0 * (i + 1) for i in range(len(customers))],
        }
    )
    store.push("customer_txn_velocity_push", pushed, to=PushMode.ONLINE)
    v1 = _register(store, generated_data, "fraud_detector_v1")
    v2 = _register(store, generated_data, "fraud_detector_v2")
    lifecycle.promote(MODEL, v1, "production", reason="per-service test baseline")
    Rollouts(lifecycle).start(MODEL, v2, canary_percent=WEIGHT, shadow=False)
    unknown = _register(store, generated_data, "fraud_detector_v1", recorded="fraud_detector_v9")
    env = {
        "MLOPS_MODEL_NAME": MODEL,
        "MLOPS_FEAST_REPO": str(repo),
        "MLOPS_PREDICTION_LOG_DIR": "",
        "MLOPS_MODEL_POLL_INTERVAL_SECONDS": "0",
        "MLOPS_ADMIN_TOKEN": TOKEN,
    }
    with running_service(free_port(), env) as url:
        answers = [httpx.post(f"{url}/predict", json={"customer_id": c, "amount": 30.0}) for c in customers]
        batch = httpx.post(
            f"{url}/predict/batch", json={"items": [{"customer_id": c, "amount": 30.0} for c in customers]}
        )
        lifecycle.promote(MODEL, unknown, "production", reason="a version trained on a service not applied")
        reload = httpx.post(f"{url}/admin/reload", headers={"authorization": f"Bearer {TOKEN}"}, timeout=60)
        after = (httpx.get(f"{url}/ready").json(), httpx.post(f"{url}/predict", json={"customer_id": 1, "amount": 3.0}))
    return {
        "v1": v1,
        "v2": v2,
        "answers": answers,
        "batch": batch,
        "pushed": pushed.set_index("customer_id"),
        "reload": reload,
        "after": after,
    }


def _booster(version: str) -> object:
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    return mlflow.lightgbm.load_model(f"models:/{MODEL}/{version}")


def test_v1_production_and_v2_canary_each_score_their_own_features(side_by_side: dict[str, object]) -> None:
    v1, v2 = str(side_by_side["v1"]), str(side_by_side["v2"])
    boosters = {v1: _booster(v1), v2: _booster(v2)}
    pushed: pd.DataFrame = side_by_side["pushed"]  # type: ignore[assignment]
    answers = [a.json() for a in side_by_side["answers"]]  # type: ignore[attr-defined]
    batch = side_by_side["batch"].json()["predictions"]  # type: ignore[attr-defined]
    assert {a["variant"] for a in answers} == {"production", "canary"}
    for answer in answers + batch:
        customer = answer["customer_id"]
        canary = in_canary(customer, WEIGHT, v2)
        assert (answer["variant"], answer["model_version"]) == (("canary", v2) if canary else ("production", v1))
        features = answer["features"]
        row = np.array([[np.nan if v is None else v for v in features.values()]], dtype=np.float64)
        expected = float(boosters[answer["model_version"]].predict(row)[0])  # type: ignore[attr-defined]
        assert answer["probability"] == pytest.approx(expected, abs=1e-12)
        if canary:
            assert [features[name] for name in VELOCITY] == pytest.approx(list(pushed.loc[customer, list(VELOCITY)]))
            assert set(VELOCITY) <= set(answer["feature_status"])
            assert {answer["feature_status"][name] for name in VELOCITY} == {"present"}
        else:
            assert not set(VELOCITY) & set(features)
            assert not set(VELOCITY) & set(answer["feature_status"])


def test_a_version_trained_on_a_service_the_registry_lacks_is_refused(side_by_side: dict[str, object]) -> None:
    reload: httpx.Response = side_by_side["reload"]  # type: ignore[assignment]
    assert reload.status_code == 409, reload.text
    assert "fraud_detector_v9" in reload.json()["error"] and "Feast registry" in reload.json()["error"]
    after: tuple[dict[str, object], httpx.Response] = side_by_side["after"]  # type: ignore[assignment]
    ready, answer = after
    assert ready["model"] == f"{MODEL}:{side_by_side['v1']}"
    assert answer.status_code == 200 and answer.json()["model_version"] in {side_by_side["v1"], side_by_side["v2"]}
