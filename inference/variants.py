"""Scoring a request with the variant its customer is assigned to, and saying which one answered.

Without a canary this is the production path plus one timer. With one, each customer goes to
the canary or production by ``in_canary`` (a stable hash, salted by the canary version), and
each group is scored with its own model in one call. A canary that raises, or returns a score
that is not a probability, is counted as a canary error and its customers are answered by
production in the same request: a broken candidate shows up in the analysis, never as a
failed request.
"""

import logging
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from fastapi import Response

from inference.metrics import MODEL_SCORE_DURATION, PREDICTION_ERRORS
from inference.model import LoadedModel
from inference.online_features import FeatureVector
from inference.rollout_models import RolloutModels
from inference.rollout_routing import in_canary
from inference.schemas import PredictRequest, PredictResponse
from inference.scoring import Scored, score

logger = logging.getLogger("inference")

PRODUCTION: Literal["production"] = "production"  # core.names.PRODUCTION, typed for the response schema
CANARY: Literal["canary"] = "canary"
VARIANT_HEADER = "x-model-variant"
VERSION_HEADER = "x-model-version"


class InvalidScoresError(ValueError):
    """The model answered, but not with one probability per row."""


@dataclass(frozen=True)
class Routed:
    probability: float
    inputs: tuple[float | None, ...]
    model: LoadedModel
    variant: Literal["production", "canary"]
    score_ms: float
    """Time of the model call that scored this row (the group's call)."""
    canary_error: str | None = None
    """Why the assigned canary did not answer (production did), else None."""


def checked_score(
    model: LoadedModel, feature_names: tuple[str, ...], vectors: list[FeatureVector], amounts: list[float]
) -> list[Scored]:
    """``score``, refusing non-finite or out-of-range output (a candidate is not trusted like production)."""
    scored = score(model, feature_names, vectors, amounts)
    probabilities = np.fromiter((result.probability for result in scored), dtype=np.float64, count=len(scored))
    if not np.all((probabilities >= 0) & (probabilities <= 1)):  # NaN fails both comparisons
        raise InvalidScoresError(f"{model.name} version {model.version} scored outside [0, 1]")
    return scored


def _timed(
    variant: Literal["production", "canary"],
    model: LoadedModel,
    names: tuple[str, ...],
    vectors: list[FeatureVector],
    amounts: list[float],
) -> tuple[list[Scored], float]:
    started = time.perf_counter()
    scorer = checked_score if variant == CANARY else score
    scored = scorer(model, names, vectors, amounts)
    elapsed = time.perf_counter() - started
    MODEL_SCORE_DURATION.labels(variant).observe(elapsed)
    return scored, elapsed * 1000


def score_routed(
    rollout: RolloutModels,
    production: LoadedModel,
    feature_names: tuple[str, ...],
    vectors: list[FeatureVector],
    items: list[PredictRequest],
) -> list[Routed]:
    """One ``Routed`` per item, in request order."""
    canary = rollout.canary
    amounts = [item.amount for item in items]
    if canary is None:
        scored, ms = _timed(PRODUCTION, production, feature_names, vectors, amounts)
        return [Routed(result.probability, result.inputs, production, PRODUCTION, ms) for result in scored]
    to_canary = [in_canary(item.customer_id, rollout.weight, canary.version) for item in items]
    routed: list[Routed | None] = [None] * len(items)
    canary_rows = [index for index, flag in enumerate(to_canary) if flag]
    fallback_error: str | None = None
    if canary_rows:
        try:
            scored, ms = _timed(
                CANARY, canary, feature_names, [vectors[i] for i in canary_rows], [amounts[i] for i in canary_rows]
            )
            for index, result in zip(canary_rows, scored, strict=True):
                routed[index] = Routed(result.probability, result.inputs, canary, CANARY, ms)
        except Exception as error:  # any failure of the candidate's booster is the candidate's error
            PREDICTION_ERRORS.labels(CANARY).inc(len(canary_rows))
            fallback_error = f"{type(error).__name__}: {error}"[:300]
            logger.warning("canary version %s failed, production answered: %s", canary.version, fallback_error)
    rest = [index for index, answer in enumerate(routed) if answer is None]
    if rest:
        rest_vectors, rest_amounts = [vectors[i] for i in rest], [amounts[i] for i in rest]
        scored, ms = _timed(PRODUCTION, production, feature_names, rest_vectors, rest_amounts)
        for index, result in zip(rest, scored, strict=True):
            why = fallback_error if to_canary[index] else None
            routed[index] = Routed(result.probability, result.inputs, production, PRODUCTION, ms, why)
    return [answer for answer in routed if answer is not None]


def set_variant_headers(response: Response, answers: list[PredictResponse]) -> None:
    """``x-model-version`` / ``x-model-variant``: the one that answered, or each, comma-separated, for a mixed batch."""
    versions = list(dict.fromkeys(answer.model_version for answer in answers))
    variants = list(dict.fromkeys(answer.variant for answer in answers))
    response.headers[VERSION_HEADER] = ",".join(versions)
    response.headers[VARIANT_HEADER] = ",".join(variants)
