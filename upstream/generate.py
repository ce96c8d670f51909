"""Deterministic synthetic data for the fraud-scoring example.

The data is built so that point-in-time mistakes are visible: a customer's average order
value random-walks by ~12% a day and fraud is defined against the value *as of* the
transaction, so a join that peeks at a later snapshot scores measurably worse. It also
holds the awkward cases a real feed has: customers with no history yet (late sign-ups,
and some with no snapshot at all), customers whose snapshots stopped (their later
transactions fall outside the feature view's TTL), and restated snapshots that share an
event timestamp with the original but carry a later created timestamp.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

SNAPSHOT_COLUMNS = (
    "customer_id",
    "event_timestamp",
    "created_timestamp",
    "total_purchases",
    "avg_order_value",
    "days_since_last_order",
    "lifetime_value",
)
TRANSACTION_COLUMNS = ("customer_id", "event_timestamp", "amount", "is_fraud")
FEATURE_TTL = timedelta(days=2)
"""Mirror of the feature view's TTL, used only to decide which facts the fraud rule can see."""


@dataclass(frozen=True)
class GeneratorConfig:
    """Sizes and seed; the same config always gives the same frames."""

    customers: int = 10_000
    days: int = 30
    end: datetime = datetime(2026, 1, 31, tzinfo=UTC)
    seed: int = 7
    transactions_per_customer_day: float = 0.5
    never_seen_share: float = 0.03
    late_signup_share: float = 0.10
    churned_share: float = 0.08
    restated_share: float = 0.005

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be at least 1")
        if self.days < 2:
            raise ValueError("days must be at least 2")
        if self.end.tzinfo is None:
            raise ValueError("end must be timezone-aware")


@dataclass(frozen=True)
class GeneratedData:
    customer_stats: pd.DataFrame
    transactions: pd.DataFrame


def default_end(now: datetime | None = None) -> datetime:
    """Midnight UTC today: the demo's newest snapshot is then inside the TTL for two days."""
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def generate(config: GeneratorConfig) -> GeneratedData:
    """Build daily customer snapshots and labelled transactions."""
    rng = np.random.default_rng(config.seed)
    n, d = config.customers, config.days
    day_index = np.arange(d)
    start = config.end - timedelta(days=d - 1)

    # Which days each customer has a snapshot for.
    kind = rng.random(n)
    never = kind < config.never_seen_share
    late = (kind >= config.never_seen_share) & (kind < config.never_seen_share + config.late_signup_share)
    churned = (kind >= config.never_seen_share + config.late_signup_share) & (
        kind < config.never_seen_share + config.late_signup_share + config.churned_share
    )
    first_day = np.where(late, rng.integers(d // 3, d, size=n), 0)
    last_day = np.where(churned, rng.integers(d // 3, max(d // 3 + 1, d - 3), size=n), d - 1)
    has_snapshot = (day_index >= first_day[:, None]) & (day_index <= last_day[:, None])
    has_snapshot[never] = False

    # The true customer state, which evolves every day whether or not it is snapshotted.
    base_aov = np.exp(rng.normal(np.log(60.0), 0.6, size=n))
    aov = base_aov[:, None] * np.exp(np.cumsum(rng.normal(0.0, 0.12, size=(n, d)), axis=1))
    orders = rng.poisson(0.4, size=(n, d))
    initial_purchases = np.where(late, 0, rng.poisson(20, size=n))
    total_purchases = initial_purchases[:, None] + np.cumsum(orders, axis=1)
    lifetime_value = initial_purchases[:, None] * base_aov[:, None] + np.cumsum(orders * aov, axis=1)
    initial_gap = rng.integers(0, 30, size=n)
    days_since = _days_since_last_order(orders, initial_gap)

    customer_stats = _snapshots(config, rng, start, has_snapshot, total_purchases, aov, days_since, lifetime_value)
    transactions = _transactions(config, rng, start, has_snapshot, aov, days_since)
    return GeneratedData(customer_stats=customer_stats, transactions=transactions)


def _days_since_last_order(orders: np.ndarray, initial_gap: np.ndarray) -> np.ndarray:
    n, d = orders.shape
    out = np.empty((n, d), dtype=np.int64)
    gap = initial_gap.astype(np.int64)
    for day in range(d):
        gap = np.where(orders[:, day] > 0, 0, gap + 1)
        out[:, day] = gap
    return out


def _snapshots(
    config: GeneratorConfig,
    rng: np.random.Generator,
    start: datetime,
    has_snapshot: np.ndarray,
    total_purchases: np.ndarray,
    aov: np.ndarray,
    days_since: np.ndarray,
    lifetime_value: np.ndarray,
) -> pd.DataFrame:
    rows, days = np.nonzero(has_snapshot)
    event_ts = pd.Timestamp(start) + pd.to_timedelta(days, unit="D")
    frame = pd.DataFrame(
        {
            "customer_id": (rows + 1).astype(np.int64),
            "event_timestamp": event_ts,
            "created_timestamp": event_ts + pd.Timedelta(hours=1),
            "total_purchases": total_purchases[rows, days].astype(np.int64),
            "avg_order_value": np.round(aov[rows, days], 2),
            "days_since_last_order": days_since[rows, days].astype(np.int64),
            "lifetime_value": np.round(lifetime_value[rows, days], 2),
        }
    )
    # Restatements: a first, wrong value that a later-created row with the same event
    # timestamp corrects. Only the correction may ever be served or trained on.
    restated = frame.sample(frac=config.restated_share, random_state=config.seed).copy()
    restated["created_timestamp"] = restated["event_timestamp"] + pd.Timedelta(minutes=10)
    restated["avg_order_value"] = np.round(restated["avg_order_value"] * 3.0, 2)
    frame = pd.concat([frame, restated], ignore_index=True)
    return frame.sort_values(["event_timestamp", "customer_id", "created_timestamp"], ignore_index=True)


def _transactions(
    config: GeneratorConfig,
    rng: np.random.Generator,
    start: datetime,
    has_snapshot: np.ndarray,
    aov: np.ndarray,
    days_since: np.ndarray,
) -> pd.DataFrame:
    n, d = has_snapshot.shape
    counts = rng.poisson(config.transactions_per_customer_day, size=(n, d))
    rows = np.repeat(np.repeat(np.arange(n), d), counts.ravel())
    days = np.repeat(np.tile(np.arange(d), n), counts.ravel())
    seconds = rng.integers(0, 86_400, size=rows.size)
    event_ts = pd.Timestamp(start) + pd.to_timedelta(days, unit="D") + pd.to_timedelta(seconds, unit="s")

    # What a correct point-in-time join can see: the newest snapshot at or before the
    # transaction, if it is within the TTL.
    visible_day = _latest_visible_snapshot_day(has_snapshot, rows, days)
    visible = visible_day >= 0
    aov_seen = np.where(visible, aov[rows, np.maximum(visible_day, 0)], np.nan)
    gap_seen = np.where(visible, days_since[rows, np.maximum(visible_day, 0)], 0)

    logit = -3.6 + 0.04 * gap_seen + 1.2 * (~visible)
    is_fraud = rng.random(rows.size) < 1.0 / (1.0 + np.exp(-logit))
    # Legitimate amounts follow the average order value the system has on record;
    # fraudulent ones are several times larger.
    reference = np.where(visible, aov_seen, aov[rows, days])
    shift = np.where(is_fraud, rng.normal(1.1, 0.5, rows.size), rng.normal(0.0, 0.35, rows.size))
    amount = np.round(reference * np.exp(shift), 2)

    frame = pd.DataFrame(
        {
            "customer_id": (rows + 1).astype(np.int64),
            "event_timestamp": event_ts,
            "amount": np.maximum(amount, 0.01),
            "is_fraud": is_fraud.astype(np.int64),
        }
    )
    return frame.sort_values(["event_timestamp", "customer_id"], ignore_index=True)


def _latest_visible_snapshot_day(has_snapshot: np.ndarray, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Day of the newest snapshot at or before each transaction inside the TTL, or -1.

    Snapshots are taken at midnight, so on day ``t`` the snapshot of day ``t`` is visible;
    the snapshot of day ``t - k`` is within the TTL while the transaction is less than
    ``ttl`` after it, which for k = ttl_days depends on the time of day and is excluded
    here to keep the rule simple and conservative (such rows are rare and only add noise).
    """
    n, d = has_snapshot.shape
    ttl_days = FEATURE_TTL.days
    last_seen = np.full((n, d), -1, dtype=np.int64)
    current = np.full(n, -1, dtype=np.int64)
    for day in range(d):
        current = np.where(has_snapshot[:, day], day, current)
        last_seen[:, day] = current
    seen = last_seen[rows, days]
    return np.where((seen >= 0) & (days - seen < ttl_days), seen, -1)
