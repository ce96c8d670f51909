"""The vectorised batch path answers exactly what the single path answers, item for item."""

from collections.abc import Iterator

import httpx
import pandas as pd
import pytest
from feast import FeatureStore
from prometheus_client.parser import text_string_to_metric_families

from inference.schemas import BatchPredictResponse, PredictResponse
from tests.conftest import free_port
from tests.service_process import running_service
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def service(feature_store: FeatureStore, trained_model: TrainingOutcome) -> Iterator[str]:
    with running_service(free_port()) as base_url:
        yield base_url


def _items(data: GeneratedData) -> list[dict[str, object]]:
    """Fresh, stale and unknown customers, repeats included, with amounts from 0 up."""
    known = sorted(pd.unique(data.customer_stats["customer_id"]).tolist())
    ids = [*known[:120], *known[-60:], 987_654_321, 2**63 - 1, known[3], known[3]]
    return [{"customer_id": int(cid), "amount": round(index * 7.31, 2)} for index, cid in enumerate(ids)]


def _metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels`` (other labels, e.g. variant, summed)."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_each_batch_item_equals_the_single_answer(service: str, generated_data: GeneratedData) -> None:
    items = _items(generated_data)
    batch = httpx.post(f"{service}/predict/batch", json={"items": items}, timeout=30)
    assert batch.status_code == 200
    predictions = batch.json()["predictions"]
    assert len(predictions) == len(items)
    statuses = set()
    with httpx.Client(base_url=service, timeout=30) as client:
        for item, prediction in zip(items, predictions, strict=True):
            single = client.post("/predict", json=item)
            assert single.status_code == 200
            assert prediction == single.json()
            statuses.update(prediction["feature_status"].values())
    assert statuses == {"present", "missing", "stale"}  # every decode branch was exercised


def test_bodies_are_the_documented_schema_with_every_field(service: str, generated_data: GeneratedData) -> None:
    items = _items(generated_data)[:5]
    batch = httpx.post(f"{service}/predict/batch", json={"items": items})
    assert batch.headers["content-type"] == "application/json"
    parsed = BatchPredictResponse.model_validate_json(batch.content)
    assert parsed.model_dump(mode="json") == batch.json()
    for prediction in batch.json()["predictions"]:
        assert set(prediction) == set(PredictResponse.model_fields)
    single = httpx.post(f"{service}/predict", json=items[0])
    assert PredictResponse.model_validate_json(single.content).model_dump(mode="json") == single.json()
    assert set(single.json()) == set(PredictResponse.model_fields)


def test_batch_metrics_count_every_item(service: str, generated_data: GeneratedData) -> None:
    items = _items(generated_data)
    before = httpx.get(f"{service}/metrics").text
    predictions = httpx.post(f"{service}/predict/batch", json={"items": items}).json()["predictions"]
    after = httpx.get(f"{service}/metrics").text

    scores = [p["probability"] for p in predictions]
    assert _metric(after, "prediction_score_count") - _metric(before, "prediction_score_count") == len(items)
    added = _metric(after, "prediction_score_sum") - _metric(before, "prediction_score_sum")
    assert added == pytest.approx(sum(scores))
    below_half = {"le": "0.5", "variant": "production"}
    gained = _metric(after, "prediction_score_bucket", **below_half) - _metric(
        before, "prediction_score_bucket", **below_half
    )
    assert gained == sum(score <= 0.5 for score in scores)
    made = _metric(after, "predictions_total", variant="production") - _metric(before, "predictions_total")
    assert made == len(items)
    missing = sum(list(p["feature_status"].values()).count("missing") for p in predictions)
    counter = {"feature": "total_purchases", "status": "missing"}
    expected = sum(p["feature_status"]["total_purchases"] == "missing" for p in predictions)
    counted = _metric(after, "prediction_feature_status_total", **counter)
    assert counted - _metric(before, "prediction_feature_status_total", **counter) == expected
    assert missing > 0
