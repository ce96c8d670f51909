"""Closed-loop HTTP/1.1 load on keep-alive connections, with per-request client-side latency.

Why not httpx: on this 2-core machine ``httpx.AsyncClient`` burns ~1.5-1.7 ms of client CPU
per request at concurrency 1 and ~2.3-2.7 ms at 16 (measured), about one full core that the
servers under test then compete with, so the benchmark would mostly measure the client.
This client pre-encodes every request, writes it on an ``asyncio.Protocol`` and parses the
answer with ``httptools`` (the parser uvicorn itself uses; already installed), which costs
~0.1 ms of client CPU per request, event loop included. Behaviour that matters for the comparison is kept close to
a pooled client: a connection the server closed while idle is silently reopened (that is
what a pool does); a connection lost while a request is in flight is an error, as in httpx.
``--client httpx`` in predict_latency.py runs the same load through httpx for a cross-check.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import httptools
import httpx
from cpu_accounting import process_group_cpu_s

Validator = Callable[[int, bytes, int], str | None]
"""(status, body, request index) -> None when the answer is right, else a short error reason."""


@dataclass(frozen=True)
class Target:
    """One endpoint under load, with its requests already encoded as bytes on the wire."""

    name: str
    host: str
    port: int
    path: str
    bodies: Sequence[bytes]
    validate: Validator
    pgid: int | None = None
    """Process group of the server, to read its CPU time from /proc (None: not measured)."""

    def wire_request(self, body: bytes) -> bytes:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body


@dataclass
class RoundResult:
    """One pass of a slice of the request sequence against one target."""

    target: str
    concurrency: int
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    truncated: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._body = bytearray()
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        self.open = True

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(exc or ConnectionResetError("server closed the connection"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._body = bytearray()

    def on_body(self, body: bytes) -> None:
        self._body += body

    def on_message_complete(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result((self._parser.get_status_code(), bytes(self._body)))
        if not self._parser.should_keep_alive():
            self.close()

    def _fail(self, error: BaseException) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _time_out(self) -> None:
        self._fail(TimeoutError("no answer within the request timeout"))
        self.close()

    def close(self) -> None:
        self.open = False
        if self._transport is not None:
            self._transport.close()

    async def request(self, wire: bytes, timeout: float) -> tuple[int, bytes]:
        assert self._transport is not None
        waiter: asyncio.Future[tuple[int, bytes]] = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_later(timeout, self._time_out)
        self._transport.write(wire)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiter = None


async def _connect(target: Target, timeout: float) -> _Connection:
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(lambda: _Connection(loop), target.host, target.port), timeout
    )
    return protocol


class _RawSender:
    """One worker's keep-alive connection; reopened (inside the timed request) if the server closed it."""

    def __init__(self, target: Target, timeout: float) -> None:
        self._target = target
        self._timeout = timeout
        self._connection: _Connection | None = None

    async def open(self) -> None:
        self._connection = await _connect(self._target, self._timeout)

    async def send(self, body: bytes, wire: bytes) -> tuple[int, bytes]:
        if self._connection is None or not self._connection.open:
            self._connection = await _connect(self._target, self._timeout)
        return await self._connection.request(wire, self._timeout)

    def discard(self) -> None:
        if self._connection is not None:
            self._connection.close()


class _HttpxSender:
    """The same interface over one shared ``httpx.AsyncClient`` pool (for cross-checking only)."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def open(self) -> None:
        return None

    async def send(self, body: bytes, wire: bytes) -> tuple[int, bytes]:
        response = await self._client.post(self._url, content=body, headers=_JSON)
        return response.status_code, response.content

    def discard(self) -> None:
        return None


_JSON = {"Content-Type": "application/json"}
_SEND_ERRORS = (OSError, TimeoutError, httptools.HttpParserError, httpx.HTTPError)


def _error_reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:120]


async def run_round(
    target: Target,
    indices: Sequence[int],
    concurrency: int,
    timeout: float,
    deadline: float,
    client: str = "raw",
) -> RoundResult:
    """Send ``indices`` of the target's request sequence with ``concurrency`` closed-loop workers.

    Connections are opened before the clock starts. Latency runs from just before the request
    is handed to the client to the last byte of the answer; bodies are checked after the clock
    stops, so checking costs no time inside the measurement. ``deadline`` is a
    ``time.monotonic()`` value after which no new request is started.
    """
    workers = min(concurrency, len(indices))
    pool: httpx.AsyncClient | None = None
    senders: list[_RawSender | _HttpxSender]
    if client == "httpx":
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        pool = httpx.AsyncClient(limits=limits, timeout=timeout)
        url = f"http://{target.host}:{target.port}{target.path}"
        senders = [_HttpxSender(pool, url) for _ in range(workers)]
    else:
        senders = [_RawSender(target, timeout) for _ in range(workers)]
    for sender in senders:
        await sender.open()
    bodies = [target.bodies[index] for index in indices]
    wires = [target.wire_request(body) for body in bodies]
    answers: list[tuple[float, int, bytes] | None] = [None] * len(indices)
    errors: Counter[str] = Counter()
    next_slot = iter(range(len(indices)))
    result = RoundResult(target.name, concurrency)

    async def worker(sender: _RawSender | _HttpxSender) -> None:
        for slot in next_slot:
            if time.monotonic() > deadline:
                result.truncated = True
                return
            result.sent += 1
            started = time.perf_counter()
            try:
                status, answer = await sender.send(bodies[slot], wires[slot])
            except _SEND_ERRORS as error:
                errors[_error_reason(error)] += 1
                sender.discard()
                continue
            answers[slot] = ((time.perf_counter() - started) * 1000.0, status, answer)

    server_cpu_before = process_group_cpu_s(target.pgid)
    cpu_before = time.process_time()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(sender) for sender in senders))
    finally:
        result.elapsed_s = time.perf_counter() - started
        result.client_cpu_s = time.process_time() - cpu_before
        server_cpu_after = process_group_cpu_s(target.pgid)
        if server_cpu_before is not None and server_cpu_after is not None:
            result.server_cpu_s = server_cpu_after - server_cpu_before
        for sender in senders:
            sender.discard()
        if pool is not None:
            await pool.aclose()
    for slot, answer in enumerate(answers):
        if answer is None:
            continue
        latency_ms, status, body = answer
        reason = target.validate(status, body, indices[slot])
        if reason is None:
            result.latencies_ms.append(latency_ms)
        else:
            errors[reason] += 1
    result.errors = errors
    return result
