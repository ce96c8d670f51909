"""Turning online feature vectors and request values into scores."""

import math
from dataclasses import dataclass

import numpy as np

from feature_repo.derived import request_feature_values
from inference.feature_services import pick, positions
from inference.model import LoadedModel
from inference.online_features import FeatureStatus, FeatureVector

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


def own_vectors(
    model: LoadedModel, feature_names: tuple[str, ...], vectors: list[FeatureVector]
) -> list[FeatureVector]:
    """The vectors in the model's own store features, from a read of ``feature_names`` (possibly a union)."""
    if feature_names == model.store_features:
        return vectors
    at = positions(feature_names, model.store_features)
    return [pick(vector, at) for vector in vectors]


def score(
    model: LoadedModel, feature_names: tuple[str, ...], vectors: list[FeatureVector], amounts: list[float]
) -> list[Scored]:
    vectors = own_vectors(model, feature_names, vectors)
    feature_names = model.store_features
    rows = [model_inputs(vector, feature_names, amount) for vector, amount in zip(vectors, amounts, strict=True)]
    probabilities = model.predict(np.asarray(rows, dtype=np.float64))
    return [
        Scored(float(probability), tuple([None if value != value else value for value in row]))  # NaN -> None
        for probability, row in zip(probabilities.tolist(), rows, strict=True)
    ]


def feature_status(model: LoadedModel, read: tuple[str, ...], vector: FeatureVector) -> dict[str, FeatureStatus]:
    """The status of each of the model's own store features (a union read holds others too)."""
    names = model.store_features
    if read == names:
        return dict(zip(read, vector.statuses, strict=True))
    statuses = vector.statuses
    return {name: statuses[at] for name, at in zip(names, positions(read, names), strict=True)}


def shadow_inputs(
    shadow: LoadedModel,
    production: LoadedModel,
    read: tuple[str, ...],
    vectors: list[FeatureVector],
    amounts: list[float],
) -> list[dict[str, float | None]] | None:
    """The shadow's inputs that production's record lacks (a shadow on another feature service), per row.

    The shadow scores from the prediction record after the response is sent; these columns
    put its own features in the record (and so in the log, where its score can be checked).
    """
    if shadow.feature_service == production.feature_service:
        return None
    extra = [index for index, name in enumerate(shadow.features) if name not in production.features]
    rows = [
        model_inputs(vector, shadow.store_features, amount)
        for vector, amount in zip(own_vectors(shadow, read, vectors), amounts, strict=True)
    ]
    return [{shadow.features[i]: None if row[i] != row[i] else row[i] for i in extra} for row in rows]
