"""Feast-compatible ``POST /push``: Feast's body, Feast's write path, rows checked first."""

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.concurrency import run_in_threadpool

from inference.errors import ErrorMessage
from inference.state import StateDep

router = APIRouter(tags=["features"])


class PushRequest(BaseModel):
    """Feast's body, typed as strictly as the document says (``to`` an enum, booleans JSON booleans)."""

    model_config = ConfigDict(extra="forbid")

    push_source_name: str
    df: dict[str, list[Any]] = Field(min_length=1, description="Column name -> values, one per row (Feast's body).")
    to: Literal["online", "offline", "online_and_offline"] = "online"
    allow_registry_cache: StrictBool = True
    transform_on_write: StrictBool = True


class PushResponse(BaseModel):
    push_source_name: str
    rows: int
    to: str


@router.post(
    "/push",
    responses={
        404: {"model": ErrorMessage, "description": "No feature view is fed by the push source."},
        422: {"description": "A row does not fit the push source's schema (named in ``loc``); nothing was written."},
        503: {"model": ErrorMessage, "description": "The online or offline store is unavailable."},
    },
)
async def push(body: PushRequest, state: StateDep) -> PushResponse:
    """Validate every row against the push source's schema, then write it with Feast's push."""
    from inference.push import PushRejected, push_mode, push_schema, validated_frame, write

    if state.store is None:
        raise HTTPException(503, "the feature store is not open")
    cached = body.allow_registry_cache
    try:
        mode = push_mode(body.to)
        if cached:  # Feast's cached registry: no file read, so no thread hop
            schema = push_schema(state.store, body.push_source_name)
        else:
            schema = await run_in_threadpool(push_schema, state.store, body.push_source_name, False)
        frame = validated_frame(schema, body.df)
    except PushRejected as error:
        if error.status != 422:
            raise HTTPException(error.status, str(error)) from error
        location = ("body", *error.field.split("."))  # e.g. df.amount -> body, df, amount
        raise RequestValidationError([{"type": "value_error", "loc": location, "msg": str(error)}]) from error
    try:
        await write(state.store, body.push_source_name, frame, mode, cached)
    except OSError as error:
        raise HTTPException(503, f"the offline store is unavailable: {error.strerror or error}") from error
    return PushResponse(push_source_name=body.push_source_name, rows=len(frame), to=body.to)
