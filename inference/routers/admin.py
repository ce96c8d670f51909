"""Operator endpoints: reload the model now, and see what the model watcher last did.

Guarded by a bearer token from ``MLOPS_ADMIN_TOKEN``. Without one configured the endpoints
refuse every call (403): an unprotected reload would let anyone on the network make the
service reload its model, so "not configured" must never mean "open".
"""

import secrets
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from inference.hot_swap import ModelWatcher, RegistryUnavailableError
from inference.settings import ServiceSettings
from inference.state import StateDep

router = APIRouter(prefix="/admin", tags=["admin"])


async def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    settings: ServiceSettings = request.app.state.settings
    if settings.admin_token is None:
        raise HTTPException(403, "admin endpoints are disabled: set MLOPS_ADMIN_TOKEN to enable them")
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise HTTPException(401, "authorization header with a bearer token required", {"WWW-Authenticate": "Bearer"})
    if not secrets.compare_digest(presented.encode(), settings.admin_token.get_secret_value().encode()):
        raise HTTPException(403, "invalid admin token")


async def get_watcher(request: Request) -> ModelWatcher:
    watcher: ModelWatcher = request.app.state.model_watcher
    return watcher


AdminGuard = Depends(require_admin)
WatcherDep = Annotated[ModelWatcher, Depends(get_watcher)]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token."},
    403: {"description": "Wrong token, or admin endpoints disabled."},
}


@router.post("/reload", dependencies=[AdminGuard], responses={**_RESPONSES, 409: {}, 503: {}})
async def reload(watcher: WatcherDep) -> JSONResponse:
    """Check the alias now; swap if it names another version that loads, fits and warms up.

    409 when that version was rejected (the old one keeps serving), 503 when the registry is down.
    """
    try:
        outcome = await watcher.check(retry_failed=True)
    except RegistryUnavailableError as error:
        return JSONResponse(status_code=503, content={"detail": f"model registry unavailable: {error}"})
    body = asdict(outcome)
    if outcome.result == "failed":
        return JSONResponse(status_code=409, content={**body, "detail": f"version {outcome.candidate} not swapped in"})
    return JSONResponse(status_code=200, content=body)


@router.get("/model", dependencies=[AdminGuard], responses=_RESPONSES)
async def model_status(state: StateDep, request: Request, watcher: WatcherDep) -> dict[str, Any]:
    """The serving version, the watcher's last check, swap and rejected version, and the rollout held."""
    settings: ServiceSettings = request.app.state.settings
    return {
        "model_name": state.model.name,
        "model_version": state.model.version,
        "alias": settings.model_alias,
        "poll_interval_seconds": settings.model_poll_interval_seconds,
        **asdict(state.swap),
        "rollout": watcher.rollout.describe() if watcher.rollout is not None else None,
    }
