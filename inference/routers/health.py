"""Liveness and readiness."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from inference.schemas import ReadinessResponse
from inference.state import StateDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is alive (it says nothing about its dependencies)."""
    return {"status": "ok"}


@router.get("/ready", response_model=ReadinessResponse, responses={503: {"model": ReadinessResponse}})
async def ready(state: StateDep) -> JSONResponse:
    """Ready when Redis answers and a model is loaded; 503 otherwise, so traffic goes elsewhere."""
    try:
        redis_ok = await state.reader.ping()
    except RedisError:
        redis_ok = False
    model = f"{state.model.name}:{state.model.version}"
    body = ReadinessResponse(ready=redis_ok, online_store="ok" if redis_ok else "unavailable", model=model)
    return JSONResponse(status_code=200 if redis_ok else 503, content=body.model_dump())
