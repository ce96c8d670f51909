"""The Feast boundary: every place this project depends on how Feast lays data out in Redis.

Our readers go to Redis directly (one round trip, no wait on a materialization state), so
they must encode keys and fields exactly as Feast's Redis online store writes them. All of
that knowledge lives here, on Feast's public helpers where they exist
(``compute_versioned_name``, ``serialize_entity_key``, ``mmh3``), and
``tests/core/test_feast_adapter.py`` pins it against what ``feast materialize`` writes, so a
Feast upgrade that changes the layout fails one test instead of serving missing features.

Feast's layout for a feature view ``V`` and an entity key ``K`` of project ``P``:

- Redis key: ``serialize_entity_key(K) + P`` (a hash);
- one field per feature: murmur3_32 of ``"V:feature"``, little-endian, 4 bytes;
- one field ``_ts:V``: the event timestamp as a protobuf ``Timestamp``.

``V`` carries a ``_v<N>`` suffix when the registry enables online feature-view versioning.
"""

import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import mmh3
import pyarrow as pa
from feast import FeatureStore, FeatureView
from feast.infra.key_encoding_utils import serialize_entity_key
from feast.infra.online_stores.helpers import compute_versioned_name
from feast.infra.online_stores.redis import RedisOnlineStore
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import Value
from feast.repo_config import RepoConfig
from google.protobuf.timestamp_pb2 import Timestamp


def stored_view_name(view: FeatureView, config: RepoConfig) -> str:
    """The name Feast stores ``view`` under (versioned when the registry says so)."""
    return compute_versioned_name(view, config.registry.enable_online_feature_view_versioning)


def feature_field(stored_view: str, feature: str) -> bytes:
    """The hash field holding ``feature`` of ``stored_view``: murmur3_32 of ``view:feature``, little-endian."""
    return struct.pack("<I", mmh3.hash(f"{stored_view}:{feature}", signed=False))


def timestamp_field(stored_view: str) -> bytes:
    """The hash field holding the event timestamp of ``stored_view``'s row."""
    return f"_ts:{stored_view}".encode()


def entity_key(join_key: str, entity_id: int, project: bytes, serialization_version: int) -> bytes:
    """The Redis key of one int64 entity: Feast's serialized entity key followed by the project name.

    Raises ValueError when ``entity_id`` does not fit a protobuf int64.
    """
    key = EntityKey(join_keys=[join_key], entity_values=[Value(int64_val=entity_id)])
    return serialize_entity_key(key, serialization_version) + project


@lru_cache(maxsize=4096)
def decode_timestamp(raw: bytes) -> float:
    """Epoch seconds of a ``_ts`` field (cached: rows written by one materialization share a few stamps)."""
    stamp = Timestamp.FromString(raw)
    return float(stamp.seconds + stamp.nanos / 1e9)


_DOUBLE_VALUE_TAG = 0x31
"""``Value.double_val`` on the wire: field 6, wire type 1 (8 little-endian bytes) - a set oneof is always written."""
_unpack_double = struct.Struct("<d").unpack_from
_INT64_VALUE_TAG = 0x20
"""``Value.int64_val``: field 4, wire type 0 (a varint, ten bytes for a negative number)."""


def _int64_varint(raw: bytes) -> int | None:
    """The int64 of ``tag + varint`` when ``raw`` is exactly that, else None (left to protobuf)."""
    if not 2 <= len(raw) <= 11 or raw[-1] & 0x80 or any(byte < 0x80 for byte in raw[1:-1]):
        return None
    value = 0
    for shift, byte in enumerate(raw[1:]):
        value |= (byte & 0x7F) << (7 * shift)
    if value >= 1 << 64:
        return None
    return value - (1 << 64) if value >= 1 << 63 else value


def decode_number(raw: bytes) -> float | None:
    """A feature value as a float (None for a null); TypeError for a value a model cannot take.

    A double or an int64 (what Feast writes for Float64 and Int64 features) is read straight
    off its bytes, several times cheaper than a protobuf parse; ``tests/inference/test_scoring.py``
    pins both against ``Value.FromString``.
    """
    if len(raw) == 9 and raw[0] == _DOUBLE_VALUE_TAG:
        return float(_unpack_double(raw, 1)[0])
    if raw and raw[0] == _INT64_VALUE_TAG and (number := _int64_varint(raw)) is not None:
        return float(number)
    proto = Value.FromString(raw)
    kind = proto.WhichOneof("val")
    if kind is None or kind == "null_val":
        return None
    value = getattr(proto, kind)
    if isinstance(value, bool | int | float):
        return float(value)
    raise TypeError(f"feature value of type {kind} cannot be a model input")


def parse_redis_connection_string(connection_string: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Nodes (``host``/``port``) and options (password, username, ssl, db, ...) as Feast reads them.

    Feast's own parser, so our clients connect exactly where Feast's would.
    """
    nodes, options = RedisOnlineStore._parse_connection_string(connection_string)
    return list(nodes), dict(options)


def source_columns(store: FeatureStore, view: FeatureView) -> tuple[list[str], list[str], str, str | None]:
    """Join keys, features, event and created timestamp columns of ``view`` as named in its source.

    Feast's own helper (field mappings reversed, entity-less dummy keys dropped), so a
    query of ours reads the very columns Feast's materialization reads.
    """
    from feast.utils import _get_column_names

    entities = [store.get_entity(name) for name in view.entities]
    join_keys, features, timestamp_field, created = _get_column_names(view, entities)
    return list(join_keys), list(features), timestamp_field, created or None


def write_latest_rows(store: FeatureStore, view: FeatureView, rows: pa.Table, batch_rows: int = 20_000) -> None:
    """Write the latest row per entity exactly as Feast's local compute engine writes its output.

    Feast's engine hands its deduplicated rows through a pandas round trip (its default
    backend), converts them with its own ``_convert_arrow_to_proto`` and gives them to the
    online store's ``online_write_batch`` (one pipelined read of the stored ``_ts`` fields,
    then one pipelined ``HSET`` per newer row). Doing the same steps here, on Feast's own
    functions, is what makes the Redis content byte-identical to ``feast materialize``
    (``tests/materialization/test_direct_equals_feast.py`` pins it), including an integer
    column with nulls becoming floats on the way, as it does in Feast. Rows are converted and
    written ``batch_rows`` at a time (Feast's ``online_write_batch_size`` does the same), so
    the protobufs of a large part never sit in memory at once.
    """
    from feast.utils import _convert_arrow_to_proto

    if rows.num_rows == 0:
        return
    table = pa.Table.from_pandas(rows.to_pandas()).combine_chunks()
    join_key_types = {column.name: column.dtype.to_value_type() for column in view.entity_columns}
    online_store = store._get_provider().online_store
    for batch in table.to_batches(max_chunksize=batch_rows):  # protobufs of a batch at a time: bounded memory
        data = _convert_arrow_to_proto(batch, view, join_key_types)
        online_store.online_write_batch(config=store.config, table=view, data=data, progress=None)


@contextmanager
def wrapped_online_write(
    store: FeatureStore, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Iterator[None]:
    """Replace ``online_write_batch`` of ``store``'s online store instance with ``wrap(original)`` for a block.

    Feast's ``materialize`` returns nothing; wrapping the write on the provider's own
    instance is the one way to see what it wrote without changing its write path.
    """
    online_store = store._get_provider().online_store  # the passthrough provider's instance
    original: Callable[..., Any] = online_store.online_write_batch
    setattr(online_store, "online_write_batch", wrap(original))  # noqa: B010  # shadow the bound method
    try:
        yield
    finally:
        del online_store.online_write_batch


def writes_online_async(store: FeatureStore) -> bool:
    """Whether ``store`` can push online without a thread: the check ``feast serve``'s /push makes.

    That is ``push_async`` on the store plus the provider declaring async online writes; a Feast
    or provider without either answers False, and the caller falls back to the blocking push.
    """
    if not hasattr(store, "push_async"):
        return False
    try:
        return bool(store._get_provider().async_supported.online.write)
    except AttributeError:  # a Feast whose providers do not declare async support
        return False
