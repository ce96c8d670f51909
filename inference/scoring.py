"""Turning online feature vectors and request values into scores."""

import math
from dataclasses import dataclass

import numpy as np

from feature_repo.derived import request_feature_values
from inference.model import LoadedModel
from inference.online_features import FeatureVector

_AVG_ORDER_VALUE = "avg_order_value"


@dataclass(frozen=True)
class Scored:
    probability: float
    inputs: tuple[float | None, ...]


def model_inputs(vector: FeatureVector, feature_names: tuple[str, ...], amount: float) -> list[float]:
    """The model row: store features (missing or stale -> NaN, as in training), then request features.

    NaN is the documented fill rule: the point-in-time training set has nulls exactly where
    no value was current, so the booster learned what "no history" means and routes NaN
    down the branch it learned for it; any imputed constant would be a value it never saw.
    """
    values = vector.values
    row = [math.nan if value is None else value for value in values]
    at = feature_names.index(_AVG_ORDER_VALUE) if _AVG_ORDER_VALUE in feature_names else None
    row.extend(request_feature_values(amount, None if at is None else values[at]))
    return row


def score(
    model: LoadedModel, feature_names: tuple[str, ...], vectors: list[FeatureVector], amounts: list[float]
) -> list[Scored]:
    rows = [model_inputs(vector, feature_names, amount) for vector, amount in zip(vectors, amounts, strict=True)]
    probabilities = model.predict(np.asarray(rows, dtype=np.float64))
    return [
        Scored(float(probability), tuple([None if value != value else value for value in row]))  # NaN -> None
        for probability, row in zip(probabilities.tolist(), rows, strict=True)
    ]
