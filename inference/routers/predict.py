"""Scoring endpoints."""

import time
from typing import Any

from fastapi import APIRouter

from inference.metrics import FEATURE_LOOKUP_DURATION
from inference.prediction_log import PredictionLog, PredictionLogDep, observe_predictions
from inference.responses import ValidatedJSONResponse, listed, one
from inference.schemas import BatchPredictRequest, BatchPredictResponse, PredictRequest, PredictResponse
from inference.scoring import score
from inference.state import ServingState, StateDep

router = APIRouter(tags=["predict"])

_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "The online feature store is unavailable."}}


async def _predict(
    state: ServingState, items: list[PredictRequest], log: PredictionLog | None
) -> list[PredictResponse]:
    model = state.model  # read once: a concurrent hot swap must not mix two models in one answer
    reader = state.reader
    started = time.perf_counter()
    vectors = await reader.read([item.customer_id for item in items])
    FEATURE_LOOKUP_DURATION.observe(time.perf_counter() - started)
    scored = score(model, reader.feature_names, vectors, [item.amount for item in items])
    responses = [
        PredictResponse(
            customer_id=item.customer_id,
            probability=result.probability,
            model_name=model.name,
            model_version=model.version,
            features=dict(zip(model.features, result.inputs, strict=True)),
            feature_status=dict(zip(reader.feature_names, vector.statuses, strict=True)),
        )
        for item, vector, result in zip(items, vectors, scored, strict=True)
    ]
    observe_predictions(responses, log, single=len(items) == 1)
    return responses


@router.post("/predict", responses=_UNAVAILABLE, response_model=PredictResponse)
async def predict(request: PredictRequest, state: StateDep, log: PredictionLogDep) -> ValidatedJSONResponse:
    """Score one transaction with the customer's online features."""
    (response,) = await _predict(state, [request], log)
    return one(response)


@router.post("/predict/batch", responses=_UNAVAILABLE, response_model=BatchPredictResponse)
async def predict_batch(request: BatchPredictRequest, state: StateDep, log: PredictionLogDep) -> ValidatedJSONResponse:
    """Score up to 1000 transactions with one Redis round trip."""
    return listed("predictions", await _predict(state, request.items, log))
