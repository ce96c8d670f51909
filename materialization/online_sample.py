"""Newest event timestamp of a feature view as Redis actually holds it, from a sample of keys.

The run records say what was written; this checks it against the store itself, which
catches a flushed or replaced Redis that the records cannot know about.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import redis
from feast import FeatureStore, FeatureView

from core.feast_adapter import decode_timestamp, stored_view_name, timestamp_field
from core.redis_client import RedisTarget, SyncClient, sync_client


@dataclass(frozen=True)
class OnlineSample:
    keys_sampled: int
    """Keys of the view's project looked at."""
    keys_with_view: int
    """Of those, keys holding a ``_ts`` field for the view."""
    newest_event: float | None
    nodes_sampled: int = 1
    """Redis nodes (a cluster's primaries) that the sampled keys came from."""


def _sample_keys(client: SyncClient, pattern: bytes, max_keys: int) -> tuple[list[bytes], int]:
    """Up to ``max_keys`` keys matching ``pattern``, taken in turn from every primary of a cluster.

    ``RedisCluster.scan_iter`` yields the primaries' SCAN pages one after another, so the first
    500 keys came almost all from one master (measured on three: 488, 12 and 0) and a master
    that lost or never received its keys went unseen. Scanning each primary on its own and
    taking one key from each in turn spreads the sample over all of them.
    """
    scans: list[Iterator[bytes]]
    if isinstance(client, redis.RedisCluster):
        primaries = client.get_primaries()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        scans = [client.get_redis_connection(node).scan_iter(match=pattern, count=1000) for node in primaries]
    else:
        scans = [client.scan_iter(match=pattern, count=1000)]
    keys: list[bytes] = []
    contributed = [False] * len(scans)
    live = list(range(len(scans)))
    while live and len(keys) < max_keys:
        for index in list(live):
            key = next(scans[index], None)
            if key is None:
                live.remove(index)
                continue
            keys.append(key)
            contributed[index] = True
            if len(keys) >= max_keys:
                break
    return keys, sum(contributed)


def sample_online(store: FeatureStore, view: FeatureView, max_keys: int = 500, timeout: float = 5.0) -> OnlineSample:
    """Sample up to ``max_keys`` of the project's keys and read the view's ``_ts`` field from each."""
    client = sync_client(RedisTarget.from_feast(store.config.online_store), timeout=timeout)
    suffix = store.config.project.encode()
    ts_field = timestamp_field(stored_view_name(view, store.config))
    try:
        keys, nodes = _sample_keys(client, b"*" + suffix, max_keys)
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, ts_field)  # type: ignore[arg-type]  # bytes keys are valid
            raw_stamps = pipe.execute()
    finally:
        client.close()
    newest: float | None = None
    present = 0
    for raw in raw_stamps:
        if not raw:
            continue
        present += 1
        moment = decode_timestamp(raw)
        newest = moment if newest is None else max(newest, moment)
    return OnlineSample(len(keys), present, newest, nodes)
