"""Transaction velocity windows: one definition for the stream consumer and the history.

A customer's velocity at time ``t`` over window ``W`` counts (and sums the amounts of) the
transactions with event time in ``(t - W, t]``. The stream consumer, the synthetic history
and the tests all compute it with :func:`window_values`, so online values, offline history
and training can only disagree if the data does.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

VIEW = "customer_txn_velocity"
PUSH_SOURCE = "customer_txn_velocity_push"
WINDOWS: tuple[tuple[str, float], ...] = (("10m", 600.0), ("1h", 3600.0))
"""(suffix, seconds) of each sliding window."""
FEATURES: tuple[str, ...] = tuple(f"{kind}_{suffix}" for suffix, _ in WINDOWS for kind in ("txn_count", "txn_amount"))
"""Feature names in view order: txn_count_10m, txn_amount_10m, txn_count_1h, txn_amount_1h."""
COLUMNS: tuple[str, ...] = ("customer_id", "event_timestamp", *FEATURES)
"""Columns of a pushed row (and of the history file)."""
LONGEST = max(seconds for _, seconds in WINDOWS)


def window_values(times: Sequence[float] | Any, amounts: Sequence[float] | Any, at: float) -> tuple[float, ...]:
    """Count and amount sum per window at ``at``; ``times`` (epoch seconds) sorted ascending."""
    stamps = np.asarray(times, dtype=float)
    money = np.asarray(amounts, dtype=float)
    end = int(np.searchsorted(stamps, at, side="right"))
    values: list[float] = []
    for _, seconds in WINDOWS:
        start = int(np.searchsorted(stamps, at - seconds, side="right"))
        values.append(float(end - start))
        values.append(round(float(money[start:end].sum()), 2))
    return tuple(values)


def change_times(times: Sequence[float]) -> list[float]:
    """Instants at which some window of these events changes: each event and each window expiry."""
    stamps = set(times)
    for _, seconds in WINDOWS:
        stamps.update(t + seconds for t in times)
    return sorted(stamps)
