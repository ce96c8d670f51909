"""Pure pieces of the batch path, pinned against the library code they replace."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram
from redis.asyncio.connection import Connection

from inference.metrics import SCORE_BUCKETS, observe_many
from inference.packed_reads import pack_hmget


def _samples(histogram: Histogram) -> dict[tuple[str, str], float]:
    return {
        (sample.name, sample.labels.get("le", "")): sample.value
        for metric in histogram.collect()
        for sample in metric.samples
        if not sample.name.endswith("_created")
    }


@given(st.lists(st.floats(min_value=0, max_value=1.5, allow_nan=False), max_size=300))
def test_observe_many_records_what_observe_records(values: list[float]) -> None:
    one, many = (Histogram("score", "s", buckets=SCORE_BUCKETS, registry=CollectorRegistry()) for _ in range(2))
    for value in values:
        one.observe(value)
    observe_many(many, values)
    expected, got = _samples(one), _samples(many)
    assert expected.keys() == got.keys()
    for key, value in expected.items():
        assert math.isclose(got[key], value, abs_tol=1e-9), key


@pytest.mark.parametrize(
    ("key", "fields"),
    [(b"\x02\x00\x00\x00customer_id\x04\x00\x00\x00\x08\x00\x00\x00\x07project", [b"\x01\x02\x03\x04", b"_ts:v"]),
     (b"k" * 300, [b"\r\n", b"$5", b""])],
)  # fmt: skip
def test_packed_hmget_is_what_redis_py_sends(key: bytes, fields: list[bytes]) -> None:
    expected = b"".join(Connection().pack_command("HMGET", key, *fields))
    assert pack_hmget(key, fields) == expected
