"""Scoring endpoints."""

import time
from typing import Any

from fastapi import APIRouter

from inference.metrics import FEATURE_LOOKUP_DURATION
from inference.prediction_log import PredictionLogDep, RecordSink, observe_predictions
from inference.responses import ValidatedJSONResponse, listed, one
from inference.schemas import BatchPredictRequest, BatchPredictResponse, PredictRequest, PredictResponse
from inference.scoring import feature_status, shadow_inputs
from inference.state import ServingState, StateDep
from inference.variants import score_routed, set_variant_headers

router = APIRouter(tags=["predict"])

_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "The online feature store is unavailable."}}


async def _predict(state: ServingState, items: list[PredictRequest], log: RecordSink | None) -> list[PredictResponse]:
    model = state.model  # read once: a concurrent hot swap must not mix two models in one answer
    rollout = state.rollout
    customer_ids = [item.customer_id for item in items]
    services = state.services
    reader = state.reader if services is None else services.for_request(model, rollout, customer_ids)
    started = time.perf_counter()
    vectors = await reader.read(customer_ids)
    FEATURE_LOOKUP_DURATION.observe(time.perf_counter() - started)
    read = reader.feature_names
    scored = score_routed(rollout, model, read, vectors, items)
    responses = [
        PredictResponse(
            customer_id=item.customer_id,
            probability=result.probability,
            model_name=result.model.name,
            model_version=result.model.version,
            variant=result.variant,
            features=dict(zip(result.model.features, result.inputs, strict=True)),
            feature_status=feature_status(result.model, read, vector),
        )
        for item, vector, result in zip(items, vectors, scored, strict=True)
    ]
    shadow = rollout.shadow
    extra = None if shadow is None else shadow_inputs(shadow, model, read, vectors, [item.amount for item in items])
    observe_predictions(responses, log, single=len(items) == 1, routed=scored, extra_features=extra)
    return responses


@router.post("/predict", responses=_UNAVAILABLE, response_model=PredictResponse)
async def predict(request: PredictRequest, state: StateDep, log: PredictionLogDep) -> ValidatedJSONResponse:
    """Score one transaction with the customer's online features (with the canary, if the customer is in it)."""
    (response,) = await _predict(state, [request], log)
    answer = one(response)
    set_variant_headers(answer, [response])
    return answer


@router.post("/predict/batch", responses=_UNAVAILABLE, response_model=BatchPredictResponse)
async def predict_batch(request: BatchPredictRequest, state: StateDep, log: PredictionLogDep) -> ValidatedJSONResponse:
    """Score up to 1000 transactions with one Redis round trip."""
    predictions = await _predict(state, request.items, log)
    answer = listed("predictions", predictions)
    set_variant_headers(answer, predictions)
    return answer
