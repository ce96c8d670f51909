"""Newest event timestamp of a feature view as Redis actually holds it, from a sample of keys.

The run records say what was written; this checks it against the store itself, which
catches a flushed or replaced Redis that the records cannot know about.
"""

from dataclasses import dataclass

from feast import FeatureStore, FeatureView
from feast.infra.online_stores.redis import _versioned_fv_name
from google.protobuf.timestamp_pb2 import Timestamp

from stack.redis_server import RedisEndpoint


@dataclass(frozen=True)
class OnlineSample:
    keys_sampled: int
    """Keys of the view's project looked at."""
    keys_with_view: int
    """Of those, keys holding a ``_ts`` field for the view."""
    newest_event: float | None


def sample_online(store: FeatureStore, view: FeatureView, max_keys: int = 500, timeout: float = 5.0) -> OnlineSample:
    """Sample up to ``max_keys`` of the project's keys and read the view's ``_ts`` field from each."""
    online = store.config.online_store
    client = RedisEndpoint.parse(online.connection_string).client(timeout=timeout)
    suffix = store.config.project.encode()
    ts_field = f"_ts:{_versioned_fv_name(view, store.config)}"
    try:
        keys: list[bytes] = []
        for key in client.scan_iter(match=b"*" + suffix, count=1000):
            keys.append(key)
            if len(keys) >= max_keys:
                break
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
        stamp = Timestamp.FromString(raw)
        moment = stamp.seconds + stamp.nanos / 1e9
        newest = moment if newest is None else max(newest, moment)
    return OnlineSample(len(keys), present, newest)
