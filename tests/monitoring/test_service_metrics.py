"""/metrics of a real 2-worker ``mlops serve`` counts exactly the requests sent, and the
prediction log holds exactly the predictions made, each with its request id."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from feast import FeatureStore
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port
from tests.service_process import running_service
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration

SINGLE_FRESH, SINGLE_UNKNOWN, BATCHES, BATCH_SIZE, INVALID = 40, 10, 5, 4, 3
UNKNOWN_CUSTOMER = 987_654_321
STORE_FEATURES = ("total_purchases", "avg_order_value", "days_since_last_order", "lifetime_value")


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def traffic(
    feature_store: FeatureStore, trained_model: TrainingOutcome, generated_data: GeneratedData, tmp_path_factory
) -> Iterator[dict[str, object]]:
    stats = generated_data.customer_stats
    fresh = int(stats.loc[stats["event_timestamp"] == stats["event_timestamp"].max(), "customer_id"].iloc[0])
    log_dir = tmp_path_factory.mktemp("prediction-log")
    sent_ids: list[str] = []
    headers_seen: list[httpx.Headers] = []
    with running_service(
        free_port(), env={"MLOPS_PREDICTION_LOG_DIR": str(log_dir)}, workers=2, startup_timeout=240
    ) as base_url:
        for i in range(SINGLE_FRESH + SINGLE_UNKNOWN):
            request_id = uuid.uuid4().hex
            customer = fresh if i < SINGLE_FRESH else UNKNOWN_CUSTOMER
            # A new connection per request, so the kernel spreads them over both workers.
            response = httpx.post(
                f"{base_url}/predict",
                json={"customer_id": customer, "amount": 10.0 + i},
                headers={"x-request-id": request_id},
            )
            assert response.status_code == 200
            sent_ids.append(request_id)
            headers_seen.append(response.headers)
        items = [{"customer_id": fresh, "amount": 5.0}] * BATCH_SIZE
        for _ in range(BATCHES):
            response = httpx.post(f"{base_url}/predict/batch", json={"items": items})
            assert response.status_code == 200
            sent_ids.extend(f"{response.headers['x-request-id']}-{k}" for k in range(BATCH_SIZE))
        for _ in range(INVALID):
            assert httpx.post(f"{base_url}/predict", json={"customer_id": -1, "amount": 1.0}).status_code == 422
        scrapes = [httpx.get(f"{base_url}/metrics").text for _ in range(4)]
    yield {"scrapes": scrapes, "log_dir": log_dir, "sent_ids": sent_ids, "headers": headers_seen}


def test_counts_equal_the_requests_sent_whichever_worker_answers(traffic, trained_model: TrainingOutcome) -> None:
    for text in traffic["scrapes"]:
        samples = _samples(text)
        assert _value(samples, "http_requests_total", route="/predict", method="POST", status="200") == 50
        assert _value(samples, "http_requests_total", route="/predict", method="POST", status="422") == INVALID
        assert _value(samples, "http_requests_total", route="/predict/batch", method="POST", status="200") == BATCHES
        assert _value(samples, "http_request_duration_seconds_count", route="/predict", method="POST") == 53
        predictions = SINGLE_FRESH + SINGLE_UNKNOWN + BATCHES * BATCH_SIZE
        assert _value(samples, "prediction_score_count", variant="production") == predictions
        assert _value(samples, "feature_lookup_duration_seconds_count") == SINGLE_FRESH + SINGLE_UNKNOWN + BATCHES
        for feature in STORE_FEATURES:
            assert _value(samples, "prediction_feature_status_total", feature=feature, status="missing") == 10
            assert _value(samples, "prediction_feature_status_total", feature=feature, status="present") == 60
        version = trained_model.registered.version
        assert _value(samples, "model_info", model_name="fraud_detector", model_version=version) == 1


def test_every_response_carries_the_model_version_and_request_id(traffic, trained_model: TrainingOutcome) -> None:
    for headers, sent in zip(traffic["headers"], traffic["sent_ids"], strict=False):
        assert headers["x-model-version"] == trained_model.registered.version
        assert headers["x-request-id"] == sent


def test_prediction_log_holds_every_prediction_from_both_workers(traffic, trained_model: TrainingOutcome) -> None:
    files = sorted(Path(traffic["log_dir"]).glob("*.parquet"))
    assert files, "no complete prediction log file after shutdown"
    assert not list(Path(traffic["log_dir"]).glob("*.tmp"))
    assert len({path.name.split("-")[2] for path in files}) == 2, "expected files from two worker pids"
    log = pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)
    assert sorted(log["request_id"]) == sorted(traffic["sent_ids"])
    assert set(log["model_version"]) == {trained_model.registered.version}
    unknown = log[log["customer_id"] == UNKNOWN_CUSTOMER]
    assert len(unknown) == SINGLE_UNKNOWN
    assert (unknown["status__avg_order_value"] == "missing").all()
    assert unknown["avg_order_value"].isna().all()
    assert log["score"].between(0, 1).all()


def test_a_one_worker_service_counts_too_when_started_from_a_process_that_imported_feast(
    trained_model: TrainingOutcome, tmp_path: Path
) -> None:
    """A parent that imported Feast passes its ``feast_metrics_*`` folder down; the service must not count into it."""
    feast_folder = tmp_path / "feast_metrics_parent"
    feast_folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(feast_folder), "PROMETHEUS_MULTIPROCESS_DIR": str(feast_folder)}
    with running_service(free_port(), env=env, workers=1) as base_url:
        for customer in (1, 2, UNKNOWN_CUSTOMER):
            assert httpx.post(f"{base_url}/predict", json={"customer_id": customer, "amount": 3.0}).status_code == 200
        samples = _samples(httpx.get(f"{base_url}/metrics").text)
    assert _value(samples, "http_requests_total", route="/predict", method="POST", status="200") == 3
    assert _value(samples, "prediction_score_count", variant="production") == 3
    assert not list(feast_folder.glob("*.db"))
