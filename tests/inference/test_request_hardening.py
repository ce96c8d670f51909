"""Requests an attacker or a careless client sends: ids past int64, huge bodies, lax types, bad bytes.

Each case was a defect (issue 14): a 500 from Feast's key encoding, a 422 that copied 10 MB
back, booleans scored as amounts, a 400 the OpenAPI document did not list. Over real HTTP,
against a real ``mlops serve``, so uvicorn's parsing is part of what is tested.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.service_process import running_service
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration

INT64_MAX = 2**63 - 1
DEFAULT_LIMIT = 1_048_576


@pytest.fixture(scope="module")
def service(trained_model: TrainingOutcome) -> Iterator[str]:
    with running_service(free_port()) as base_url:
        yield base_url


def _post_raw(service: str, path: str, content: bytes | Iterator[bytes]) -> httpx.Response:
    return httpx.post(f"{service}{path}", content=content, headers={"content-type": "application/json"}, timeout=30)


def _fields(response: httpx.Response) -> list[Any]:
    return [error["loc"][-1] for error in response.json()["detail"]]


@pytest.mark.parametrize("raw_id", [str(2**63), str(2**64), "1" + "0" * 400])
def test_customer_id_past_int64_gets_422_naming_it(service: str, raw_id: str) -> None:
    single = _post_raw(service, "/predict", f'{{"customer_id": {raw_id}, "amount": 1.0}}'.encode())
    batch = _post_raw(service, "/predict/batch", f'{{"items": [{{"customer_id": {raw_id}, "amount": 1.0}}]}}'.encode())

    assert (single.status_code, _fields(single)) == (422, ["customer_id"])
    assert batch.status_code == 422
    assert batch.json()["detail"][0]["loc"] == ["body", "items", 0, "customer_id"]


def test_the_largest_int64_id_is_scored(service: str) -> None:
    response = httpx.post(f"{service}/predict", json={"customer_id": INT64_MAX, "amount": 1.0})

    assert response.status_code == 200
    assert response.json()["customer_id"] == INT64_MAX


def test_the_openapi_document_shows_the_bounds(service: str) -> None:
    schemas = httpx.get(f"{service}/openapi.json").json()["components"]["schemas"]
    properties = schemas["PredictRequest"]["properties"]

    assert properties["customer_id"]["maximum"] == INT64_MAX
    assert properties["customer_id"]["exclusiveMinimum"] == 0
    assert properties["amount"]["maximum"] == 1e9


def test_a_body_over_the_limit_gets_413_before_it_is_parsed(service: str) -> None:
    padding = "x" * (DEFAULT_LIMIT + 1)
    sized = _post_raw(service, "/predict", f'{{"customer_id": 1, "amount": 1.0, "pad": "{padding}"}}'.encode())
    chunked = _post_raw(service, "/predict/batch", iter([b'{"items": [', b" " * (DEFAULT_LIMIT + 1), b"]}"]))

    for response in (sized, chunked):
        assert response.status_code == 413
        assert response.json() == {"detail": f"request body over {DEFAULT_LIMIT} bytes (MLOPS_MAX_REQUEST_BYTES)"}


def test_422_names_the_field_without_copying_the_input_back(service: str) -> None:
    big_value = "v" * 500_000
    big_key = "k" * 200_000
    response = httpx.post(f"{service}/predict", json={"customer_id": 1, "amount": 1.0, "note": big_value})
    odd_key = httpx.post(f"{service}/predict", json={"customer_id": 1, "amount": 1.0, big_key: 1})

    assert (response.status_code, _fields(response)) == (422, ["note"])
    assert response.json()["detail"][0]["msg"] == "Extra inputs are not permitted"
    assert len(response.content) < 1_000
    assert odd_key.status_code == 422
    assert len(odd_key.content) < 1_000


def test_a_batch_of_bad_items_gets_a_bounded_422(service: str) -> None:
    items = [{"customer_id": i + 1, "amount": -1.0, "extra": "e" * 200} for i in range(1000)]
    response = httpx.post(f"{service}/predict/batch", json={"items": items})

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "items", 0, "amount"]
    assert len(detail) == 20  # the first errors, not all 2,000
    assert len(response.content) < 5_000


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"customer_id": 1, "amount": false}', "amount"),
        ('{"customer_id": 1, "amount": true}', "amount"),
        ('{"customer_id": 1, "amount": "0.81"}', "amount"),
        ('{"customer_id": true, "amount": 1.0}', "customer_id"),
        ('{"customer_id": "7", "amount": 1.0}', "customer_id"),
        ('{"customer_id": 1.5, "amount": 1.0}', "customer_id"),
        ('{"customer_id": 1, "amount": 1000000000.01}', "amount"),
        ('{"customer_id": 1, "amount": 1e308}', "amount"),
    ],
)
def test_types_are_strict_as_the_schema_says(service: str, raw: str, field: str) -> None:
    response = _post_raw(service, "/predict", raw.encode())

    assert (response.status_code, _fields(response)) == (422, [field])


@pytest.mark.parametrize(
    ("raw", "customer_id"),
    [('{"customer_id": 1.0, "amount": 0.81}', 1), ('{"customer_id": 3e2, "amount": 1000000000}', 300)],
)
def test_what_json_schema_calls_an_integer_or_a_number_is_accepted(service: str, raw: str, customer_id: int) -> None:
    response = _post_raw(service, "/predict", raw.encode())

    assert response.status_code == 200
    assert response.json()["customer_id"] == customer_id


@pytest.mark.parametrize(
    "raw",
    [
        b'{"customer_id": 1, "amount": ',
        b'{"customer_id": 1, "amount": "\xff"}',
        b"\xff\xfe",
        b'{"customer_id": ' + b"1" * 5000 + b', "amount": 1}',
    ],
)
def test_a_body_that_is_not_json_gets_a_documented_400(service: str, raw: bytes) -> None:
    single = _post_raw(service, "/predict", raw)
    batch = _post_raw(service, "/predict/batch", raw)

    for response in (single, batch):
        assert response.status_code == 400
        assert response.json()["detail"].startswith("request body is not valid JSON")


def test_every_status_the_body_endpoints_answer_is_documented(service: str) -> None:
    paths = httpx.get(f"{service}/openapi.json").json()["paths"]

    for path in ("/predict", "/predict/batch"):
        assert {"200", "400", "413", "422", "503"} <= set(paths[path]["post"]["responses"])
