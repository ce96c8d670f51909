"""Feast-compatible ``POST /push``: Feast's body, Feast's write path, rows checked first."""

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from inference.state import StateDep

router = APIRouter(tags=["features"])


class PushRequest(BaseModel):
    push_source_name: str
    df: dict[str, list[Any]] = Field(description="Column name -> values, one per row (Feast's body).")
    to: str = Field(default="online", description="online, offline or online_and_offline.")
    allow_registry_cache: bool = True
    transform_on_write: bool = True


@router.post(
    "/push",
    responses={
        404: {"description": "No feature view is fed by the push source."},
        422: {"description": "A row does not fit the push source's schema; nothing was written."},
        503: {"description": "The online or offline store is unavailable."},
    },
)
async def push(body: PushRequest, state: StateDep) -> dict[str, Any]:
    """Validate every row against the push source's schema, then write it with Feast's push."""
    from inference.push import PushRejected, push_mode, push_schema, validated_frame, write

    if state.store is None:
        raise HTTPException(503, "the feature store is not open")
    try:
        mode = push_mode(body.to)
        schema = await run_in_threadpool(push_schema, state.store, body.push_source_name)
        frame = validated_frame(schema, body.df)
    except PushRejected as error:
        raise HTTPException(error.status, str(error)) from error
    try:
        await run_in_threadpool(write, state.store, body.push_source_name, frame, mode)
    except OSError as error:
        raise HTTPException(503, f"the offline store is unavailable: {error.strerror or error}") from error
    return {"push_source_name": body.push_source_name, "rows": len(frame), "to": body.to}
