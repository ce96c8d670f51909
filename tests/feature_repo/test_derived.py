import math

from hypothesis import given
from hypothesis import strategies as st

from feature_repo.derived import REQUEST_FEATURES, amount_to_avg_order_value, request_feature_values


def test_ratio_of_amount_to_average_order() -> None:
    assert amount_to_avg_order_value(150.0, 50.0) == 3.0


def test_missing_or_non_positive_history_gives_nan() -> None:
    assert math.isnan(amount_to_avg_order_value(10.0, None))
    assert math.isnan(amount_to_avg_order_value(10.0, 0.0))
    assert math.isnan(amount_to_avg_order_value(10.0, -5.0))
    assert math.isnan(amount_to_avg_order_value(10.0, math.nan))


@given(
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
)
def test_request_values_follow_the_declared_order(amount: float, average: float) -> None:
    values = request_feature_values(amount, average)
    assert len(values) == len(REQUEST_FEATURES)
    assert values[0] == amount
    assert values[1] == amount / average
