"""Error responses: a clear 4xx naming the field, a 503 for a missing dependency, never a 500 page."""

import logging
import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

logger = logging.getLogger("inference")


def _json_safe(value: Any) -> Any:
    """Non-finite floats (NaN, Infinity) are valid Python JSON input but not JSON output."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


async def validation_failed(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's usual 422 body, made serializable when the rejected input was NaN or Infinity."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(error.errors()))})


async def online_store_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("online store unavailable on %s: %s", request.url.path, type(error).__name__)
    return JSONResponse(
        status_code=503,
        content={"detail": "online feature store (Redis) is unavailable; retry shortly"},
        headers={"Retry-After": "1"},
    )
