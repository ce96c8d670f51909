"""Request and response bodies of the inference API."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from inference.online_features import FeatureStatus

MAX_BATCH_SIZE = 1000
ENTITY_ID_LIMIT = 2**63
"""Ids must be below it: Feast serializes them as protobuf int64, and a larger id must be a 422, not a 500
inside Feast's key code. An exclusive bound, because FastAPI's OpenAPI model writes bounds as floats and
2**63 is exact as a float where 2**63 - 1 is not."""


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Annotated[StrictInt, Field(gt=0, lt=ENTITY_ID_LIMIT, description="Customer id (join key, an int64).")]
    amount: Annotated[
        StrictFloat,
        Field(ge=0, allow_inf_nan=False, description="Transaction amount; a finite, non-negative number (not a bool)."),
    ]


class BatchPredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[PredictRequest], Field(min_length=1, max_length=MAX_BATCH_SIZE)]


class PredictResponse(BaseModel):
    customer_id: int
    probability: float = Field(description="Probability that the transaction is fraud.")
    model_name: str
    model_version: str
    features: dict[str, float | None] = Field(description="Model inputs as used; null where missing or stale.")
    feature_status: dict[str, FeatureStatus] = Field(
        description="present, missing (no value online) or stale (older than the view's TTL)."
    )


class BatchPredictResponse(BaseModel):
    predictions: list[PredictResponse]


class ReadinessResponse(BaseModel):
    ready: bool
    online_store: str
    model: str
