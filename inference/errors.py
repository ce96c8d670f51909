"""Error responses: a clear 4xx naming the field, a 503 for a missing dependency, never a 500 page."""

import logging
import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response

logger = logging.getLogger("inference")

MAX_REPORTED_ERRORS = 20
"""A batch of 1000 bad items names its first errors, not all 2000 of them."""
MAX_LOCATION_CHARS = 64
"""An unknown field's name is part of its location; a 200 kB key is not copied back whole."""
NOT_JSON = "request body is not valid JSON"


class ErrorMessage(BaseModel):
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorMessage, "description": f"{NOT_JSON} (malformed, not UTF-8, or a number Python rejects)."},
    413: {"model": ErrorMessage, "description": "Request body over MLOPS_MAX_REQUEST_BYTES; refused before parsing."},
}
"""Statuses every operation with a request body can answer, for the OpenAPI document."""


def _json_safe(value: Any) -> Any:
    """Non-finite floats (NaN, Infinity) are valid Python JSON input but not JSON output."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _location(loc: tuple[int | str, ...]) -> list[int | str]:
    return [
        f"{part[:MAX_LOCATION_CHARS]}..." if isinstance(part, str) and len(part) > MAX_LOCATION_CHARS else part
        for part in loc
    ]


def _reported(error: dict[str, Any]) -> dict[str, Any]:
    """Where, what and why, without the rejected input: a 10 MB field must not come back in the 422."""
    reported = {"type": error["type"], "loc": _location(tuple(error["loc"])), "msg": error["msg"]}
    if "ctx" in error:
        reported["ctx"] = _json_safe(jsonable_encoder(error["ctx"]))
    return reported


async def validation_failed(request: Request, error: Exception) -> JSONResponse:
    """422 naming each field (at most 20); a body that is not JSON at all is a 400."""
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    if any(item["type"] == "json_invalid" for item in errors):
        reason = next(str(item.get("ctx", {}).get("error", "")) for item in errors if item["type"] == "json_invalid")
        return JSONResponse(status_code=400, content={"detail": f"{NOT_JSON}: {reason}"})
    return JSONResponse(status_code=422, content={"detail": [_reported(item) for item in errors[:MAX_REPORTED_ERRORS]]})


async def http_error(request: Request, error: Exception) -> Response:
    """FastAPI's handler, except that its undocumented 400 for a body it cannot decode says what is wrong."""
    assert isinstance(error, HTTPException)
    cause = error.__cause__
    if error.status_code == 400 and isinstance(cause, ValueError | RecursionError):
        reason = "not UTF-8" if isinstance(cause, UnicodeDecodeError) else str(cause)[:200] or type(cause).__name__
        return JSONResponse(status_code=400, content={"detail": f"{NOT_JSON}: {reason}"})
    return await http_exception_handler(request, error)


def too_large_body(max_bytes: int) -> JSONResponse:
    return JSONResponse(
        status_code=413,
        content={"detail": f"request body over {max_bytes} bytes (MLOPS_MAX_REQUEST_BYTES)"},
    )


async def online_store_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("online store unavailable on %s: %s", request.url.path, type(error).__name__)
    return JSONResponse(
        status_code=503,
        content={"detail": "online feature store (Redis) is unavailable; retry shortly"},
        headers={"Retry-After": "1"},
    )
