"""Per-request observation: timing and counts for Prometheus, a request id, the model version.

One pure ASGI middleware (no per-request task, unlike ``BaseHTTPMiddleware``) that:
times each request and counts it by route template and status; takes the caller's
``x-request-id`` or makes one, exposes it to handlers through a context variable (the
prediction log records it) and echoes it; and stamps every response with
``x-model-version``, the version this worker serves at that moment (unless the route
already named the version that answered, as /predict does during a canary).
"""

import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inference.metrics import REQUEST_DURATION, REQUESTS

REQUEST_ID_HEADER = b"x-request-id"
MODEL_VERSION_HEADER = b"x-model-version"
request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and 0 < len(value) <= 128:
            return str(value.decode("latin-1"))
    return uuid.uuid4().hex


def _served_version(scope: Scope) -> bytes | None:
    app = scope.get("app")
    serving = getattr(getattr(app, "state", None), "serving", None)
    model = getattr(serving, "model", None)
    version = getattr(model, "version", None)
    return str(version).encode() if version is not None else None


class RequestObservationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        request_id_var.set(request_id)
        responded = False

        async def send_observed(message: Message) -> None:
            nonlocal responded
            if message["type"] == "http.response.start":
                responded = True
                route = getattr(scope.get("route"), "path", "unmatched")
                REQUEST_DURATION.labels(route, scope["method"]).observe(time.perf_counter() - started)
                REQUESTS.labels(route, scope["method"], str(message["status"])).inc()
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                version = _served_version(scope)
                # /predict names the version that answered (a canary's); other routes get production's.
                if version is not None and all(name != MODEL_VERSION_HEADER for name, _ in headers):
                    headers.append((MODEL_VERSION_HEADER, version))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        except Exception:
            if not responded:  # the server answers 500 outside this middleware
                route = getattr(scope.get("route"), "path", "unmatched")
                REQUEST_DURATION.labels(route, scope["method"]).observe(time.perf_counter() - started)
                REQUESTS.labels(route, scope["method"], "500").inc()
            raise
