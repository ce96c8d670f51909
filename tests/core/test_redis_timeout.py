"""A hung Redis costs one timeout, as documented, not one per retry.

The client retries once at once, to replace a pooled connection that died with a Redis
restart. Retrying a *timeout* as well doubled the documented wait (0.5 s became ~1.0 s on a
hung Redis): the retry must cover connection errors only. The hung server here is a socket
that reads commands and never answers, which is what a frozen Redis looks like to a client.
"""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from core.redis_client import RedisTarget, async_client, sync_client


class HungServer:
    """Accepts connections, reads what arrives, never replies; counts connections that sent a command."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.commands_seen = 0
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self._open.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        conn.settimeout(5.0)
        try:
            if conn.recv(65536):
                with self._lock:
                    self.commands_seen += 1
        except OSError:
            pass

    def settled_count(self) -> int:
        """Commands seen once the reader threads have caught up (bounded wait, no timing asserted)."""
        deadline = time.monotonic() + 2.0
        while self.commands_seen == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        return self.commands_seen

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._open:
            conn.close()
        self.sock.close()


@pytest.fixture
def hung() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


def test_a_blocking_command_to_a_hung_redis_is_sent_once(hung: HungServer) -> None:
    client = sync_client(RedisTarget((("127.0.0.1", hung.port),)), timeout=0.2)
    with pytest.raises(redis.TimeoutError):
        client.ping()
    assert hung.settled_count() == 1


def test_an_async_pipeline_to_a_hung_redis_is_sent_once(hung: HungServer) -> None:
    async def read() -> None:
        client = async_client(RedisTarget((("127.0.0.1", hung.port),)), timeout=0.2)
        try:
            async with client.pipeline(transaction=False) as pipe:
                pipe.hmget("key", ["a", "b"])
                await pipe.execute()
        finally:
            await client.aclose()

    with pytest.raises(redis.TimeoutError):
        asyncio.run(read())
    assert hung.settled_count() == 1


def test_a_dead_pooled_connection_is_still_replaced_once(hung: HungServer) -> None:
    """The retry that stays: a connection refused (Redis restarting) is tried again at once."""
    port = hung.port
    hung.close()  # nothing listens any more
    client = sync_client(RedisTarget((("127.0.0.1", port),)), timeout=0.2)
    retry = client.get_retry()
    assert retry is not None
    assert redis.ConnectionError in retry._supported_errors
    assert redis.TimeoutError not in retry._supported_errors
    with pytest.raises(redis.ConnectionError):
        client.ping()
