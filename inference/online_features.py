"""Online feature lookup: one Redis round trip per request, with the TTL enforced.

Feast's online path returns a value as PRESENT however old it is. Here a value older than
its view's TTL is reported as ``stale`` and not used. The reader is built from the Feast
registry and uses Feast's own key encoding, so it reads exactly what ``feast materialize``
wrote; it exists because Feast's async lookup spends milliseconds per call in Python
around a sub-millisecond Redis read (see bench/).
"""

import math
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import redis.asyncio
from feast import FeatureService, FeatureStore, FeatureView
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException

from core.feast_adapter import (
    decode_number,
    decode_timestamp,
    entity_key,
    feature_field,
    stored_view_name,
    timestamp_field,
)
from core.redis_client import AsyncClient, RedisTarget, async_client
from inference.packed_reads import exchange, pack_hmget

KEY_CACHE_SIZE = 65_536
"""Entities whose Redis key (and packed HMGETs) are kept: Feast's key encoding costs ~5 us per id."""


class FeatureStatus(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    STALE = "stale"


@dataclass(frozen=True)
class FeatureVector:
    """Values in feature-service order; None where missing or stale."""

    values: tuple[float | None, ...]
    statuses: tuple[FeatureStatus, ...]
    event_timestamp: float | None
    """Newest event timestamp (epoch seconds) among the views, None if no view had a row."""


@dataclass(frozen=True)
class _ViewLayout:
    name: str
    features: tuple[str, ...]
    hash_fields: tuple[bytes, ...]
    """Feast's field names: murmur3 of ``view:feature`` for each feature, then ``_ts:view``."""
    ttl_seconds: float


class OnlineFeatureReader:
    """Reads a feature service's features for one entity key from Feast's Redis layout."""

    def __init__(
        self, client: AsyncClient, project: str, join_key: str, views: list[_ViewLayout], serialization_version: int
    ) -> None:
        self._client = client
        self._project = project.encode()
        self._join_key = join_key
        self.join_key = join_key
        self._views = views
        self._serialization_version = serialization_version
        self.feature_names: tuple[str, ...] = tuple(name for view in views for name in view.features)
        self._key = lru_cache(maxsize=KEY_CACHE_SIZE)(self._redis_key)
        self._packed = lru_cache(maxsize=KEY_CACHE_SIZE)(self._pack_entity)

    @classmethod
    def from_store(cls, store: FeatureStore, service: FeatureService, timeout: float) -> "OnlineFeatureReader":
        config = store.config
        target = RedisTarget.from_feast(config.online_store)
        requested = [(p.name, tuple(f.name for f in p.features)) for p in service.feature_view_projections]
        join_key, views = _layouts(store, requested, service.name)
        client = async_client(target, timeout)
        return cls(client, config.project, join_key, views, config.entity_key_serialization_version)

    def for_features(self, store: FeatureStore, requested: list[tuple[str, tuple[str, ...]]]) -> "OnlineFeatureReader":
        """A reader of other features of the same store sharing this reader's Redis client.

        Serves Feast-style lookups (``/get-online-features``) through the very code /predict uses.
        """
        join_key, views = _layouts(store, requested, "request")
        config = store.config
        return OnlineFeatureReader(
            self._client, config.project, join_key, views, config.entity_key_serialization_version
        )

    def merged(self, other: "OnlineFeatureReader") -> "OnlineFeatureReader":
        """One reader of both readers' views (a view both read: the union of its features), same client.

        Lets a request that two models answer (production and a canary or shadow trained on
        another feature service) read everything in one pipelined round trip.
        """
        if other._join_key != self._join_key:
            raise ValueError(f"cannot read join keys {self._join_key} and {other._join_key} in one call")
        views = {view.name: view for view in self._views}
        for view in other._views:
            mine = views.get(view.name)
            if mine is None:
                views[view.name] = view
                continue
            fields = dict(zip(mine.features, mine.hash_fields[:-1], strict=True))
            fields.update(zip(view.features, view.hash_fields[:-1], strict=True))
            views[view.name] = _ViewLayout(
                view.name, tuple(fields), (*fields.values(), mine.hash_fields[-1]), mine.ttl_seconds
            )
        return OnlineFeatureReader(
            self._client, self._project.decode(), self._join_key, list(views.values()), self._serialization_version
        )

    def _redis_key(self, entity_id: int) -> bytes:
        return entity_key(self._join_key, entity_id, self._project, self._serialization_version)

    def _pack_entity(self, entity_id: int) -> bytes:
        key = self._key(entity_id)
        return b"".join(pack_hmget(key, view.hash_fields) for view in self._views)

    async def _fetch(self, entity_ids: list[int]) -> list[list[bytes | None]]:
        """One reply per (entity, view), in order: one write and one pipelined read."""
        if isinstance(self._client, redis.asyncio.Redis):
            command = b"".join(map(self._packed, entity_ids))
            return await exchange(self._client, command, len(entity_ids) * len(self._views))
        async with self._client.pipeline(transaction=False) as pipe:
            for entity_id in entity_ids:
                key = self._key(entity_id)
                for view in self._views:
                    pipe.hmget(key, list(view.hash_fields))  # type: ignore[arg-type]  # bytes keys are valid
            try:
                replies: list[list[bytes | None]] = await pipe.execute()
            except RedisClusterException as error:  # no node reachable; not a RedisError subclass
                raise RedisConnectionError("Redis Cluster unreachable") from error
        return replies

    async def read(self, entity_ids: list[int]) -> list[FeatureVector]:
        """Feature vectors for ``entity_ids``, in order, fetched in one pipelined round trip."""
        replies = await self._fetch(entity_ids)
        now = time.time()
        per_entity = len(self._views)
        return [self._decode(replies[i * per_entity : (i + 1) * per_entity], now) for i in range(len(entity_ids))]

    async def read_with_timestamps(self, entity_ids: list[int]) -> list[tuple[FeatureVector, tuple[float | None, ...]]]:
        """Like ``read``, plus each feature's own event timestamp (Feast reports one per feature)."""
        replies = await self._fetch(entity_ids)
        now = time.time()
        per_entity = len(self._views)
        result = []
        for i in range(len(entity_ids)):
            chunk = replies[i * per_entity : (i + 1) * per_entity]
            stamps = tuple(
                decode_timestamp(reply[-1]) if reply[-1] else None
                for view, reply in zip(self._views, chunk, strict=True)
                for _ in view.features
            )
            result.append((self._decode(chunk, now), stamps))
        return result

    async def ping(self) -> bool:
        try:
            pong: bool = await self._client.ping()  # type: ignore[misc]  # the asyncio client returns an awaitable
        except RedisClusterException as error:
            raise RedisConnectionError("Redis Cluster unreachable") from error
        return pong

    async def close(self) -> None:
        await self._client.aclose()

    def _decode(self, replies: list[list[bytes | None]], now: float) -> FeatureVector:
        values: list[float | None] = []
        statuses: list[FeatureStatus] = []
        newest: float | None = None
        for view, reply in zip(self._views, replies, strict=True):
            raw_ts = reply[-1]
            event_ts = None
            if raw_ts:
                event_ts = decode_timestamp(raw_ts)
                newest = event_ts if newest is None else max(newest, event_ts)
            stale = event_ts is not None and now - event_ts > view.ttl_seconds
            for raw in reply[:-1]:
                value = decode_number(raw) if raw and event_ts is not None else None
                if value is None:
                    values.append(None)
                    statuses.append(FeatureStatus.MISSING)
                elif stale:
                    values.append(None)
                    statuses.append(FeatureStatus.STALE)
                else:
                    values.append(value)
                    statuses.append(FeatureStatus.PRESENT)
        return FeatureVector(tuple(values), tuple(statuses), newest)


def _layouts(
    store: FeatureStore, requested: list[tuple[str, tuple[str, ...]]], owner: str
) -> tuple[str, list[_ViewLayout]]:
    """The Redis layout of each requested (view, features); raises ValueError for unknown names."""
    config = store.config
    views: list[_ViewLayout] = []
    join_keys: set[str] = set()
    for view_name, features in requested:
        view: FeatureView = store.get_feature_view(view_name)
        known = {feature.name for feature in view.features}
        unknown = [name for name in features if name not in known]
        if unknown:
            raise ValueError(f"feature view {view_name} has no feature {unknown[0]}")
        join_keys.update(view.join_keys)
        stored_name = stored_view_name(view, config)
        fields = (*(feature_field(stored_name, name) for name in features), timestamp_field(stored_name))
        ttl = view.ttl.total_seconds() if view.ttl else math.inf
        views.append(_ViewLayout(stored_name, features, fields, ttl or math.inf))
    if len(join_keys) != 1:
        raise ValueError(f"feature service {owner} must use exactly one join key, found {sorted(join_keys)}")
    return join_keys.pop(), views
