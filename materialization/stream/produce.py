"""A realistic transaction stream for the demo and the tests: skewed customers, card-testing bursts.

Most customers buy now and then at amounts near their own typical spend; a few customers
turn into card-testing bursts (several small then large purchases within minutes), which
is what the velocity features exist to catch. Same seed, same events.
"""

import time
import uuid
from collections.abc import Iterator

import numpy as np

from core.redis_client import SyncClient
from materialization.stream.events import TransactionEvent

BURST_SHARE = 0.02
"""Share of events that start a card-testing burst."""


def synthetic_events(seed: int, customers: int, count: int, start: float, rate: float) -> Iterator[TransactionEvent]:
    """``count`` events from ``start`` on, ``rate`` per second on average (Poisson arrivals)."""
    rng = np.random.default_rng(seed)
    typical = np.exp(rng.normal(3.5, 0.6, size=customers))
    weights = 1.0 / np.arange(1, customers + 1) ** 0.6
    weights /= weights.sum()
    namespace = uuid.UUID(int=seed)
    at = start
    burst: list[tuple[int, float]] = []
    for index in range(count):
        at += float(rng.exponential(1.0 / rate))
        if burst:
            customer, amount = burst.pop()
        else:
            customer = int(rng.choice(customers, p=weights)) + 1
            amount = float(typical[customer - 1] * np.exp(rng.normal(0, 0.4)))
            if rng.random() < BURST_SHARE:
                burst = [(customer, float(a)) for a in rng.uniform(1, 400, size=int(rng.integers(4, 12)))]
        event_time = round(at, 3)  # milliseconds, as brokers stamp them
        yield TransactionEvent(
            str(uuid.uuid5(namespace, str(index))), customer, round(max(amount, 0.01), 2), event_time
        )


def produce(
    client: SyncClient, stream_key: str, events: Iterator[TransactionEvent], live: bool, maxlen: int = 1_000_000
) -> int:
    """XADD every event (in pipelines of 500); with ``live``, each no earlier than its event time."""
    sent = 0
    pipe = client.pipeline(transaction=False)
    for event in events:
        if live:
            wait = event.timestamp - time.time()
            if wait > 0:
                pipe.execute()
                time.sleep(wait)
        pipe.xadd(stream_key, event.fields(), maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
        sent += 1
        if sent % 500 == 0:
            pipe.execute()
    pipe.execute()
    return sent
