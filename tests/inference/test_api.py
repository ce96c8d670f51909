"""The inference API end to end over HTTP, against real Redis and a real MLflow backend."""

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore

from tests.conftest import free_port
from tests.pit_oracle import FEATURES
from tests.service_process import running_service
from training.dataset import feature_matrix, historical_features
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def service(feature_store: FeatureStore, trained_model: TrainingOutcome) -> Iterator[str]:
    with running_service(free_port()) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def latest(generated_data: GeneratedData) -> pd.DataFrame:
    ordered = generated_data.customer_stats.sort_values(["customer_id", "event_timestamp", "created_timestamp"])
    return ordered.drop_duplicates("customer_id", keep="last").set_index("customer_id")


def _fresh_customer(latest: pd.DataFrame) -> int:
    newest = latest["event_timestamp"].max()
    return int(latest.index[latest["event_timestamp"] == newest][0])


def test_ready_and_health(service: str, trained_model: TrainingOutcome) -> None:
    assert httpx.get(f"{service}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{service}/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "online_store": "ok",
        "model": f"fraud_detector:{trained_model.registered.version}",
    }


def test_predict_uses_online_features_and_reports_the_model_version(
    service: str, latest: pd.DataFrame, trained_model: TrainingOutcome
) -> None:
    customer_id = _fresh_customer(latest)
    response = httpx.post(f"{service}/predict", json={"customer_id": customer_id, "amount": 50.0})

    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == trained_model.registered.version
    assert body["model_name"] == "fraud_detector"
    assert 0.0 <= body["probability"] <= 1.0
    assert body["feature_status"] == dict.fromkeys(FEATURES, "present")
    row = latest.loc[customer_id]
    for name in FEATURES:
        assert body["features"][name] == float(row[name])
    assert body["features"]["amount_to_avg_order_value"] == pytest.approx(50.0 / float(row["avg_order_value"]))


def test_served_score_equals_the_training_path_score(
    service: str, feature_store: FeatureStore, latest: pd.DataFrame, trained_model: TrainingOutcome
) -> None:
    """No training/serving skew: the same customer and amount score the same through both paths."""
    import mlflow.lightgbm

    customer_id = _fresh_customer(latest)
    amounts = [5.0, 80.0, 2_000.0]
    served = [
        httpx.post(f"{service}/predict", json={"customer_id": customer_id, "amount": a}).json()["probability"]
        for a in amounts
    ]
    labels = pd.DataFrame(
        {"customer_id": [customer_id] * 3, "event_timestamp": [datetime.now(UTC)] * 3, "amount": amounts}
    )
    service_def = feature_store.get_feature_service("fraud_detector_v1")
    matrix = feature_matrix(historical_features(feature_store, labels, service_def))
    booster = mlflow.lightgbm.load_model(f"models:/fraud_detector/{trained_model.registered.version}")
    offline = booster.predict(matrix)

    np.testing.assert_allclose(served, offline, rtol=1e-12)
    assert served[2] > served[1], "an amount 25x the usual order should look riskier"


def test_unknown_customer_is_scored_with_missing_features(service: str) -> None:
    response = httpx.post(f"{service}/predict", json={"customer_id": 987_654_321, "amount": 10.0})

    assert response.status_code == 200
    body = response.json()
    assert body["feature_status"] == dict.fromkeys(FEATURES, "missing")
    assert all(body["features"][name] is None for name in FEATURES)
    assert body["features"]["amount_to_avg_order_value"] is None


def test_value_older_than_the_ttl_is_reported_stale_and_not_used(service: str, latest: pd.DataFrame) -> None:
    cutoff = pd.Timestamp(datetime.now(UTC)) - pd.Timedelta(days=2)
    stale_id = int(latest.index[latest["event_timestamp"] < cutoff][0])

    body = httpx.post(f"{service}/predict", json={"customer_id": stale_id, "amount": 10.0}).json()

    assert body["feature_status"] == dict.fromkeys(FEATURES, "stale")
    assert all(body["features"][name] is None for name in FEATURES)


def test_batch_matches_single_predictions_in_order(service: str, latest: pd.DataFrame) -> None:
    items = [
        {"customer_id": _fresh_customer(latest), "amount": 12.5},
        {"customer_id": 987_654_321, "amount": 99.0},
        {"customer_id": int(latest.index[5]), "amount": 400.0},
    ]
    batch = httpx.post(f"{service}/predict/batch", json={"items": items})

    assert batch.status_code == 200
    predictions = batch.json()["predictions"]
    assert [p["customer_id"] for p in predictions] == [item["customer_id"] for item in items]
    for item, prediction in zip(items, predictions, strict=True):
        single = httpx.post(f"{service}/predict", json=item).json()
        assert prediction["probability"] == single["probability"]
        assert prediction["feature_status"] == single["feature_status"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 10.0}, "customer_id"),
        ({"customer_id": 1}, "amount"),
        ({"customer_id": "1", "amount": 10.0}, "customer_id"),
        ({"customer_id": 1.5, "amount": 10.0}, "customer_id"),
        ({"customer_id": 0, "amount": 10.0}, "customer_id"),
        ({"customer_id": 1, "amount": -0.01}, "amount"),
        ({"customer_id": 1, "amount": "ten"}, "amount"),
        ({"customer_id": 1, "amount": 10.0, "extra": True}, "extra"),
        ({"customer_id": 1, "amount": False}, "amount"),
        ({"customer_id": 1, "amount": True}, "amount"),
    ],
)
def test_bad_input_gets_422_naming_the_field(service: str, body: dict[str, object], field: str) -> None:
    response = httpx.post(f"{service}/predict", json=body)

    assert response.status_code == 422
    assert field in [error["loc"][-1] for error in response.json()["detail"]]


@pytest.mark.parametrize("raw_id", ["9223372036854775808", "18446744073709551616", "1" + "0" * 400, "1e400"])
@pytest.mark.parametrize("route", ["/predict", "/predict/batch"])
def test_an_id_past_int64_gets_422_not_500(service: str, route: str, raw_id: str) -> None:
    item = f'{{"customer_id": {raw_id}, "amount": 1.0}}'
    body = item if route == "/predict" else f'{{"items": [{item}]}}'
    response = httpx.post(f"{service}{route}", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    assert "customer_id" in [error["loc"][-1] for error in response.json()["detail"]]


def test_the_largest_int64_id_is_scored_as_an_unknown_customer(service: str) -> None:
    response = httpx.post(f"{service}/predict", json={"customer_id": 2**63 - 1, "amount": 1.0})

    assert response.status_code == 200, response.text
    assert set(response.json()["feature_status"].values()) == {"missing"}


def test_the_published_schema_bounds_the_id(service: str) -> None:
    schema = httpx.get(f"{service}/openapi.json").json()["components"]["schemas"]["PredictRequest"]
    assert schema["properties"]["customer_id"]["exclusiveMaximum"] == 2**63
    assert schema["properties"]["customer_id"]["type"] == "integer"


@pytest.mark.parametrize("raw_amount", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_amount_gets_422(service: str, raw_amount: str) -> None:
    response = httpx.post(
        f"{service}/predict",
        content=f'{{"customer_id": 1, "amount": {raw_amount}}}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert "amount" in [error["loc"][-1] for error in response.json()["detail"]]


def test_oversized_or_empty_batch_gets_422(service: str) -> None:
    too_many = {"items": [{"customer_id": 1, "amount": 1.0}] * 1001}
    for body in (too_many, {"items": []}):
        response = httpx.post(f"{service}/predict/batch", json=body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "items"]


def test_batch_item_error_names_the_item(service: str) -> None:
    body = {"items": [{"customer_id": 1, "amount": 1.0}, {"customer_id": 2, "amount": -5}]}
    response = httpx.post(f"{service}/predict/batch", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "items", 1, "amount"]
