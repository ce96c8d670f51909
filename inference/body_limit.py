"""A request-size limit applied before any parsing: 413 instead of reading megabytes into JSON.

uvicorn bounds headers but not bodies, and FastAPI reads a whole body before validating it,
so without this a 10 MB document was parsed and then echoed back in a 422. The limit is
checked against ``Content-Length`` first (nothing is read), and then against the bytes that
actually arrive, which also covers chunked uploads that declare no length.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inference.errors import too_large_body


class BodySizeLimitMiddleware:
    """Pure ASGI: buffers at most ``max_bytes`` of a request body, then replays it to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_length(scope) > self.max_bytes:
            await too_large_body(self.max_bytes)(scope, receive, send)
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away; let the app see the disconnect
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await too_large_body(self.max_bytes)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                return int(value) if value.isdigit() else 0
        return 0
