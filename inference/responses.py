"""JSON responses for models that were validated when they were built, serialized once.

A route that returns a Pydantic model has FastAPI validate it again against the response
model and serialize it through ``jsonable_encoder`` and ``json.dumps``: for a batch of 100
that was ~1 ms of a ~7 ms call. The responses here are built by ``PredictResponse(...)``
(validated then), so they are written straight to JSON with orjson. The routes keep
``response_model=`` so the OpenAPI document is unchanged; ``tests/inference`` pins the body
against ``model_dump(mode="json")``.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel


class ValidatedJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def model_fields(model: BaseModel) -> dict[str, Any]:
    """A validated model's field values as they are (enums and nested dicts are orjson-ready)."""
    return model.__dict__


def one(model: BaseModel) -> ValidatedJSONResponse:
    return ValidatedJSONResponse(model_fields(model))


def listed(key: str, models: Sequence[BaseModel]) -> ValidatedJSONResponse:
    """``{key: [model, ...]}``: the shape of ``BatchPredictResponse``."""
    return ValidatedJSONResponse({key: [model_fields(model) for model in models]})
