"""Feast-compatible ``POST /get-online-features``, with the TTL enforced.

Feast HTTP clients work unchanged against it. It reads through the same one-round-trip
reader as /predict; unlike ``feast serve`` an expired value is null with status
``OUTSIDE_MAX_AGE`` (the status Feast's Go server uses), and it never waits on a
materialization state.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from inference.online_features import FeatureStatus, OnlineFeatureReader
from inference.schemas import ENTITY_ID_LIMIT
from inference.state import ServingState, StateDep

router = APIRouter(tags=["features"])

_EPOCH = "1970-01-01T00:00:00Z"
_STATUS = {
    FeatureStatus.PRESENT: "PRESENT",
    FeatureStatus.MISSING: "NOT_FOUND",
    FeatureStatus.STALE: "OUTSIDE_MAX_AGE",
}
_MAX_ENTITIES = 1000
EntityId = Annotated[StrictInt, Field(gt=0, lt=ENTITY_ID_LIMIT)]


class GetOnlineFeaturesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    features: list[str] | None = Field(default=None, description="Feature references, `view:feature`.")
    feature_service: str | None = None
    entities: dict[str, Annotated[list[EntityId], Field(min_length=1, max_length=_MAX_ENTITIES)]]
    full_feature_names: bool = False


class FeatureResult(BaseModel):
    values: list[Any]
    statuses: list[str]
    event_timestamps: list[str]


class GetOnlineFeaturesResponse(BaseModel):
    metadata: dict[str, list[str]]
    results: list[FeatureResult]


def _requested(state: ServingState, body: GetOnlineFeaturesRequest) -> list[tuple[str, tuple[str, ...]]]:
    """(view, features) pairs in request order; 422 naming the field when they cannot be resolved."""
    if (body.features is None) == (body.feature_service is None):
        raise HTTPException(422, "give exactly one of features or feature_service")
    if body.feature_service is not None:
        try:
            service = state.store.get_feature_service(body.feature_service)
        except Exception as error:  # Feast raises its own not-found types
            raise HTTPException(422, f"feature_service: unknown feature service {body.feature_service}") from error
        return [(p.name, tuple(f.name for f in p.features)) for p in service.feature_view_projections]
    grouped: dict[str, list[str]] = {}
    for reference in body.features or []:
        view, sep, feature = reference.partition(":")
        if not sep or not view or not feature:
            raise HTTPException(422, f"features: {reference!r} is not of the form view:feature")
        grouped.setdefault(view, []).append(feature)
    if not grouped:
        raise HTTPException(422, "features: must not be empty")
    return [(view, tuple(features)) for view, features in grouped.items()]


def _reader(state: ServingState, requested: list[tuple[str, tuple[str, ...]]]) -> OnlineFeatureReader:
    """A cached reader per distinct request: registry lookups happen once, not per call."""
    cache: dict[Any, OnlineFeatureReader] = state.__dict__.setdefault("_lookup_readers", {})
    key = tuple(requested)
    if key not in cache:
        try:
            cache[key] = state.reader.for_features(state.store, requested)
        except ValueError as error:
            raise HTTPException(422, f"features: {error}") from error
        except Exception as error:  # Feast's FeatureViewNotFoundException and kin
            raise HTTPException(422, f"features: {error}") from error
    return cache[key]


def _iso(epoch: float | None) -> str:
    if epoch is None:
        return _EPOCH
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.post("/get-online-features", responses={503: {"description": "The online feature store is unavailable."}})
async def get_online_features(body: GetOnlineFeaturesRequest, state: StateDep) -> GetOnlineFeaturesResponse:
    """Online features in Feast's response shape, with expired values null and OUTSIDE_MAX_AGE."""
    if state.store is None:
        raise HTTPException(503, "the feature store is not open")
    requested = _requested(state, body)
    reader = _reader(state, requested)
    if len(body.entities) != 1 or reader.join_key not in body.entities:
        raise HTTPException(422, f"entities: expected exactly the join key {reader.join_key}")
    ids = body.entities[reader.join_key]
    rows = await reader.read_with_timestamps(ids)
    names = [
        f"{view}__{feature}" if body.full_feature_names else feature
        for view, features in requested
        for feature in features
    ]
    results = [FeatureResult(values=list(ids), statuses=["PRESENT"] * len(ids), event_timestamps=[_EPOCH] * len(ids))]
    for position in range(len(names)):
        results.append(
            FeatureResult(
                values=[vector.values[position] for vector, _ in rows],
                statuses=[_STATUS[vector.statuses[position]] for vector, _ in rows],
                event_timestamps=[
                    _iso(stamps[position]) if vector.statuses[position] is not FeatureStatus.MISSING else _EPOCH
                    for vector, stamps in rows
                ],
            )
        )
    return GetOnlineFeaturesResponse(metadata={"feature_names": [reader.join_key, *names]}, results=results)
