"""Request and response bodies of the inference API."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from inference.online_features import FeatureStatus

MAX_BATCH_SIZE = 1000


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Annotated[StrictInt, Field(gt=0, description="Customer id (join key).")]
    amount: Annotated[
        float, Field(ge=0, allow_inf_nan=False, description="Transaction amount; finite and not negative.")
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
