import math
import struct

import lightgbm as lgb
import numpy as np
import pytest
from feast.protos.feast.types.Value_pb2 import Value
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from core.feast_adapter import decode_number
from inference.model import LoadedModel, ModelIncompatibleError, check_compatible
from inference.online_features import FeatureStatus, FeatureVector
from inference.schemas import MAX_AMOUNT, MAX_BATCH_SIZE, BatchPredictRequest, PredictRequest
from inference.scoring import model_inputs

STORE = ("total_purchases", "avg_order_value", "days_since_last_order", "lifetime_value")
MODEL_FEATURES = (*STORE, "amount", "amount_to_avg_order_value")


def _model(features: tuple[str, ...] = MODEL_FEATURES, service: str = "fraud_detector_v1") -> LoadedModel:
    return LoadedModel("fraud_detector", "3", service, features, booster=None)  # type: ignore[arg-type]


def test_present_values_and_the_derived_ratio_feed_the_model() -> None:
    vector = FeatureVector((10.0, 40.0, 2.0, 400.0), (FeatureStatus.PRESENT,) * 4, event_timestamp=0.0)
    assert model_inputs(vector, STORE, amount=100.0) == [10.0, 40.0, 2.0, 400.0, 100.0, 2.5]


def test_missing_and_stale_values_become_nan_as_in_training() -> None:
    vector = FeatureVector((None, None, None, None), (FeatureStatus.STALE,) * 4, event_timestamp=0.0)
    row = model_inputs(vector, STORE, amount=7.0)
    assert all(math.isnan(value) for value in row[:4])
    assert row[4] == 7.0
    assert math.isnan(row[5])


def test_compatible_model_passes() -> None:
    check_compatible(_model(), "fraud_detector_v1", STORE)


def test_reordered_features_are_refused() -> None:
    reordered = (STORE[1], STORE[0], *STORE[2:], "amount", "amount_to_avg_order_value")
    with pytest.raises(ModelIncompatibleError, match="expects features"):
        check_compatible(_model(reordered), "fraud_detector_v1", STORE)


def test_model_from_another_feature_service_is_refused() -> None:
    with pytest.raises(ModelIncompatibleError, match="'fraud_detector_v2'"):
        check_compatible(_model(service="fraud_detector_v2"), "fraud_detector_v1", STORE)


def test_loaded_model_predicts_with_the_booster() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] > 0).astype(int)
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, y), num_boost_round=10)
    model = LoadedModel("m", "1", "s", ("a", "b"), booster)
    scores = model.predict(np.array([[2.0, 0.0], [-2.0, 0.0], [math.nan, 0.0]]))
    assert scores[0] > 0.5 > scores[1]
    assert 0.0 < scores[2] < 1.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Value(int64_val=7), 7.0), (Value(double_val=2.5), 2.5), (Value(float_val=1.5), 1.5), (Value(), None)],
)
def testdecode_number(value: Value, expected: float | None) -> None:
    assert decode_number(value.SerializeToString()) == expected


def test_decode_refuses_a_string_feature() -> None:
    with pytest.raises(TypeError, match="string_val"):
        decode_number(Value(string_val="x").SerializeToString())


@given(st.floats(min_value=0, max_value=MAX_AMOUNT), st.integers(min_value=1, max_value=2**63 - 1))
def test_any_amount_from_zero_to_the_bound_is_accepted(amount: float, customer_id: int) -> None:
    assert PredictRequest(customer_id=customer_id, amount=amount).amount == amount


@given(st.one_of(st.floats(max_value=-1e-300), st.floats(min_value=MAX_AMOUNT, exclude_min=True), st.just(math.nan)))
def test_negative_too_large_or_non_finite_amounts_are_rejected(amount: float) -> None:
    with pytest.raises(ValidationError) as error:
        PredictRequest(customer_id=1, amount=amount)
    assert error.value.errors()[0]["loc"] == ("amount",)


def test_batch_size_is_bounded() -> None:
    item = {"customer_id": 1, "amount": 1.0}
    assert len(BatchPredictRequest(items=[item] * MAX_BATCH_SIZE).items) == MAX_BATCH_SIZE  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        BatchPredictRequest(items=[item] * (MAX_BATCH_SIZE + 1))  # type: ignore[list-item]


@given(st.floats(allow_nan=False, width=64))
def test_the_double_fast_path_decodes_what_protobuf_does(value: float) -> None:
    raw = Value(double_val=value).SerializeToString()
    assert len(raw) == 9  # the fast path is taken
    decoded = decode_number(raw)
    assert isinstance(decoded, float)
    assert struct.pack("<d", decoded) == struct.pack("<d", Value.FromString(raw).double_val)  # -0.0 too


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_the_int64_fast_path_decodes_what_protobuf_does(value: int) -> None:
    raw = Value(int64_val=value).SerializeToString()
    assert decode_number(raw) == float(Value.FromString(raw).int64_val)


@pytest.mark.parametrize("raw", [b"\x20", b"\x20\x80", b"\x20\xff" * 10 + b"\x7f", b"\x20\x01\x01"])
def test_a_malformed_int64_is_left_to_protobuf(raw: bytes) -> None:
    try:
        expected: object = Value.FromString(raw).int64_val
    except Exception as error:  # protobuf refuses it: so must we
        with pytest.raises(type(error)):
            decode_number(raw)
        return
    assert decode_number(raw) == float(expected)  # type: ignore[arg-type]
