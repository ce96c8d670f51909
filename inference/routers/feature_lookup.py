"""Feast-compatible ``POST /get-online-features``, with the TTL enforced.

Feast HTTP clients work unchanged against it. It reads through the same one-round-trip
reader as /predict; unlike ``feast serve`` an expired value is null with status
``OUTSIDE_MAX_AGE`` (the status Feast's Go server uses), and it never waits on a
materialization state.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from core.names import FEATURE_SERVICE
from inference.errors import ErrorMessage
from inference.online_features import FeatureStatus, OnlineFeatureReader
from inference.schemas import ENTITY_ID_LIMIT, json_integer
from inference.state import ServingState, StateDep

router = APIRouter(tags=["features"])

_EPOCH = "1970-01-01T00:00:00Z"
_STATUS = {
    FeatureStatus.PRESENT: "PRESENT",
    FeatureStatus.MISSING: "NOT_FOUND",
    FeatureStatus.STALE: "OUTSIDE_MAX_AGE",
}
_MAX_ENTITIES = 1000
EntityId = Annotated[int, Field(gt=0, lt=ENTITY_ID_LIMIT), BeforeValidator(json_integer)]
"""JSON Schema's integer, as for ``customer_id`` in /predict: ``3.0`` is 3, ``true`` and ``"3"`` are refused."""


FEATURE_REFERENCE = r"^[^:]+:[^:]+$"
FeatureReference = Annotated[str, StringConstraints(pattern=FEATURE_REFERENCE)]
_ONE_OF: list[JsonValue] = [{"required": ["features"]}, {"required": ["feature_service"]}]
_EXAMPLES: list[JsonValue] = [
    {"feature_service": FEATURE_SERVICE, "entities": {"customer_id": [1, 2]}},
    {"features": ["customer_stats:total_purchases"], "entities": {"customer_id": [1]}, "full_feature_names": True},
]


class GetOnlineFeaturesRequest(BaseModel):
    """Feast's body. The published schema says what is checked here (one of the two, non-empty),
    so a client or a fuzzer trusting the document never sends a body that is refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": _ONE_OF, "examples": _EXAMPLES})

    features: Annotated[
        list[FeatureReference] | None,
        Field(default=None, min_length=1, description="Feature references, `view:feature`."),
        WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": FEATURE_REFERENCE}, "minItems": 1}),
    ]
    feature_service: Annotated[str | None, Field(default=None), WithJsonSchema({"type": "string"})]
    entities: Annotated[
        dict[str, Annotated[list[EntityId], Field(min_length=1, max_length=_MAX_ENTITIES)]],
        Field(min_length=1, max_length=1, description="The join key and its values."),
    ]
    full_feature_names: StrictBool = False

    @field_validator("features", "feature_service", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Left out means unset; an explicit null is not in the published schema (an array, a string)."""
        if value is None:
            raise ValueError("must not be null; leave the field out instead")
        return value

    @model_validator(mode="after")
    def _exactly_one_source(self) -> "GetOnlineFeaturesRequest":
        if (self.features is None) == (self.feature_service is None):
            raise ValueError("give exactly one of features or feature_service")
        return self


def _invalid(field: str, message: str) -> RequestValidationError:
    """A 422 in the same shape as pydantic's, for checks that need the registry."""
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": message}])


class FeatureResult(BaseModel):
    values: list[Any]
    statuses: list[str]
    event_timestamps: list[str]


class GetOnlineFeaturesResponse(BaseModel):
    metadata: dict[str, list[str]]
    results: list[FeatureResult]


def _requested(state: ServingState, body: GetOnlineFeaturesRequest) -> list[tuple[str, tuple[str, ...]]]:
    """(view, features) pairs in request order; 404 naming a feature service the registry lacks.

    The service comes from Feast's cached registry, not a re-read of the registry per request:
    with the file registry Feast re-reads it only when the file changed (``feast apply``) or
    its ``cache_ttl_seconds`` passed, so an applied service is still seen on the next request.
    """
    if body.feature_service is not None:
        try:
            service = state.store.get_feature_service(body.feature_service, allow_cache=True)
        except Exception as error:  # Feast raises its own not-found types
            raise HTTPException(404, f"feature_service: unknown feature service {body.feature_service}") from error
        return [(p.name, tuple(f.name for f in p.features)) for p in service.feature_view_projections]
    grouped: dict[str, list[str]] = {}
    for reference in body.features or []:
        view, _, feature = reference.partition(":")
        grouped.setdefault(view, []).append(feature)
    return [(view, tuple(features)) for view, features in grouped.items()]


def _reader(state: ServingState, requested: list[tuple[str, tuple[str, ...]]]) -> OnlineFeatureReader:
    """A cached reader per distinct request: registry lookups happen once, not per call."""
    cache: dict[Any, OnlineFeatureReader] = state.__dict__.setdefault("_lookup_readers", {})
    key = tuple(requested)
    if key not in cache:
        try:
            cache[key] = state.reader.for_features(state.store, requested)
        except Exception as error:  # an unknown feature, or Feast's FeatureViewNotFoundException and kin
            raise HTTPException(404, f"features: {error}") from error
    return cache[key]


def _iso(epoch: float | None) -> str:
    if epoch is None:
        return _EPOCH
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.post(
    "/get-online-features",
    responses={
        404: {"model": ErrorMessage, "description": "A feature service, view or feature the registry does not have."},
        503: {"model": ErrorMessage, "description": "The online feature store is unavailable."},
    },
)
async def get_online_features(body: GetOnlineFeaturesRequest, state: StateDep) -> GetOnlineFeaturesResponse:
    """Online features in Feast's response shape, with expired values null and OUTSIDE_MAX_AGE."""
    if state.store is None:
        raise HTTPException(503, "the feature store is not open")
    requested = _requested(state, body)
    reader = _reader(state, requested)
    if len(body.entities) != 1 or reader.join_key not in body.entities:
        raise _invalid("entities", f"expected exactly the join key {reader.join_key}")
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
