"""Derived request-time features, shared by training and serving.

Training and the inference service both call :func:`amount_to_avg_order_value`, so the
feature a model learns from and the one it is served cannot drift apart. The module holds
no Feast objects, so importing it on the hot path costs nothing.
"""

import math

REQUEST_FEATURES: tuple[str, ...] = ("amount", "amount_to_avg_order_value")
"""Model inputs that arrive with the request rather than from the feature store, in model order."""


def amount_to_avg_order_value(amount: float, avg_order_value: float | None) -> float:
    """How many of the customer's average orders this amount is.

    Fraud shows up as amounts far above what the customer usually spends. Missing or
    non-positive history gives NaN, which the model treats as "no history" exactly as it
    saw it during training (point-in-time joins leave nulls there too).
    """
    if avg_order_value is None or not avg_order_value > 0:
        return math.nan
    return amount / avg_order_value


def request_feature_values(amount: float, avg_order_value: float | None) -> tuple[float, float]:
    """Values of :data:`REQUEST_FEATURES`, in order."""
    return amount, amount_to_avg_order_value(amount, avg_order_value)
