"""Where events come from: a small interface, and Redis Streams behind it.

The consumer needs only :class:`EventSource`. Redis Streams (consumer groups, XREADGROUP,
XACK, XAUTOCLAIM) is the embedded default; another broker plugs in by configuration:
``MLOPS_STREAM_SOURCE_FACTORY=package.module:function``, a callable taking the
:class:`~materialization.stream.settings.StreamSettings` and returning an ``EventSource``
(see docs/streaming.md for Kafka).
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import UserError
from core.redis_client import RedisTarget, SyncClient, sync_client
from materialization.stream.settings import StreamSettings


@dataclass(frozen=True)
class Delivery:
    """One entry as delivered: the broker's id (what is acknowledged) and its fields."""

    id: str
    fields: dict[Any, Any]


class EventSource(Protocol):
    """At-least-once delivery with explicit acknowledgement; what the consumer relies on."""

    def recover(self) -> list[Delivery]:
        """Entries delivered before but never acknowledged (this consumer's, then idle peers')."""

    def read(self, count: int, block_ms: int) -> list[Delivery]:
        """New entries, at most ``count``, waiting up to ``block_ms`` for the first (0: not at all)."""

    def ack(self, ids: list[str]) -> None:
        """Mark entries done: they are never delivered again."""

    def lag(self) -> int | None:
        """Entries in the stream the group has not read yet, if the broker knows."""


class RedisStreamSource:
    """A Redis Streams consumer group member."""

    def __init__(self, client: SyncClient, settings: StreamSettings) -> None:
        self._client = client
        self._stream = settings.stream_key
        self._group = settings.stream_group
        self._consumer = settings.resolved_consumer()
        self._claim_idle_ms = int(settings.stream_claim_idle_seconds * 1000)
        self._ensure_group()

    def _ensure_group(self) -> None:
        from redis.exceptions import ResponseError

        try:
            self._client.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def recover(self) -> list[Delivery]:
        own = self._client.xreadgroup(self._group, self._consumer, {self._stream: "0"}, count=10_000)
        deliveries = _deliveries(own)
        start = "0-0"
        for _ in range(100):  # bounded: at most 100 pages of idle peers' entries
            reply: Any = self._client.xautoclaim(
                self._stream, self._group, self._consumer, self._claim_idle_ms, start_id=start, count=1000
            )
            start = _text(reply[0])
            deliveries.extend(Delivery(_text(i), dict(f)) for i, f in reply[1] if f is not None)
            if start == "0-0":
                break
        return deliveries

    def read(self, count: int, block_ms: int) -> list[Delivery]:
        block = block_ms or None  # 0 means do not block (Redis would read BLOCK 0 as "forever")
        reply = self._client.xreadgroup(self._group, self._consumer, {self._stream: ">"}, count=count, block=block)
        return _deliveries(reply)

    def ack(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 5000):
            self._client.xack(self._stream, self._group, *ids[start : start + 5000])

    def lag(self) -> int | None:
        groups: Any = self._client.xinfo_groups(self._stream)
        for group in groups:
            if _text(group.get("name", b"")) == self._group:
                lag = group.get("lag")
                return None if lag is None else int(lag)
        return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _deliveries(reply: Any) -> list[Delivery]:
    return [Delivery(_text(i), dict(f)) for _, entries in (reply or []) for i, f in entries if f]


def redis_client(settings: StreamSettings) -> SyncClient:
    return sync_client(RedisTarget.parse(settings.resolved_stream_redis()), timeout=5.0)


def open_source(settings: StreamSettings) -> EventSource:
    """The configured source: a plug-in factory if one is named, else Redis Streams."""
    if not settings.stream_source_factory:
        return RedisStreamSource(redis_client(settings), settings)
    module_name, _, attribute = settings.stream_source_factory.partition(":")
    try:
        factory: Callable[[StreamSettings], EventSource] = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise UserError(f"MLOPS_STREAM_SOURCE_FACTORY={settings.stream_source_factory!r}: {error}") from error
    return factory(settings)
