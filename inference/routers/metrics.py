"""``GET /metrics``: Prometheus text exposition, summed over all workers."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from inference.metrics import render_latest

router = APIRouter(tags=["monitoring"])


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(render_latest(), media_type=CONTENT_TYPE_LATEST)
