"""Request and response bodies of the inference API."""

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictFloat
from pydantic_core import PydanticCustomError

from inference.online_features import FeatureStatus

MAX_BATCH_SIZE = 1000
MAX_CUSTOMER_ID = 2**63 - 1
"""Feast serializes join keys as protobuf int64: a larger id cannot be looked up at all."""
ENTITY_ID_LIMIT = MAX_CUSTOMER_ID + 1
"""The same bound, exclusive, for the feature lookup's entity ids: 2**63 is exact as a float in OpenAPI."""
MAX_AMOUNT = 1e9
"""A billion in the transaction's currency: far past any card payment, and well inside the
range where ``amount / avg_order_value`` stays a finite, meaningful model input."""


def json_integer(value: object) -> object:
    """JSON Schema's ``integer``: a number with no fractional part (so ``1.0`` is 1), never a bool or text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


CustomerId = Annotated[
    int,
    Field(gt=0, le=MAX_CUSTOMER_ID, description="Customer id (join key): a positive int64."),
    BeforeValidator(json_integer),
]
Amount = Annotated[
    StrictFloat,
    Field(
        ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="Transaction amount: finite, from 0 to 1e9, not a bool."
    ),
]


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: CustomerId
    amount: Amount


class BatchPredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[PredictRequest], Field(min_length=1, max_length=MAX_BATCH_SIZE)]


class PredictResponse(BaseModel):
    customer_id: int
    probability: float = Field(description="Probability that the transaction is fraud.")
    model_name: str
    model_version: str
    variant: Literal["production", "canary"] = Field(
        default="production", description="Which variant of a rollout answered: production or the canary."
    )
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
