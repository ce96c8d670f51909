from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.pit_oracle import oracle_join
from upstream.generate import FEATURE_TTL, SNAPSHOT_COLUMNS, TRANSACTION_COLUMNS, GeneratorConfig, generate

CONFIG = GeneratorConfig(customers=600, days=12, end=datetime(2026, 2, 1, tzinfo=UTC), seed=5)


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return generate(CONFIG)


def test_same_seed_same_data(data) -> None:  # type: ignore[no-untyped-def]
    again = generate(CONFIG)
    pd.testing.assert_frame_equal(data.customer_stats, again.customer_stats)
    pd.testing.assert_frame_equal(data.transactions, again.transactions)
    other = generate(GeneratorConfig(customers=600, days=12, end=CONFIG.end, seed=6))
    assert not other.transactions["amount"].equals(data.transactions["amount"])


def test_columns_ids_and_time_range(data) -> None:  # type: ignore[no-untyped-def]
    assert tuple(data.customer_stats.columns) == SNAPSHOT_COLUMNS
    assert tuple(data.transactions.columns) == TRANSACTION_COLUMNS
    assert data.customer_stats["customer_id"].between(1, 600).all()
    assert data.customer_stats["event_timestamp"].max() == pd.Timestamp(CONFIG.end)
    assert (data.customer_stats["created_timestamp"] > data.customer_stats["event_timestamp"]).all()


def test_awkward_cases_are_present(data) -> None:  # type: ignore[no-untyped-def]
    stats, transactions = data.customer_stats, data.transactions
    never_seen = set(transactions["customer_id"]) - set(stats["customer_id"])
    assert never_seen, "some customers must have no history at all"
    restated = stats.duplicated(["customer_id", "event_timestamp"], keep=False)
    assert restated.any(), "some snapshots must be restated with a later created timestamp"
    joined = oracle_join(transactions, stats, FEATURE_TTL)
    assert joined["avg_order_value"].isna().mean() > 0.05, "some transactions must fall outside the TTL"


def test_fraud_depends_on_the_point_in_time_value_not_a_later_one(data) -> None:  # type: ignore[no-untyped-def]
    """A join that peeks at the next snapshot gives other feature values and a worse signal."""
    from sklearn.metrics import roc_auc_score

    stats, transactions = data.customer_stats, data.transactions
    correct = oracle_join(transactions, stats, FEATURE_TTL)
    leaky_stats = stats.assign(event_timestamp=stats["event_timestamp"] - pd.Timedelta(days=1))
    leaky = oracle_join(transactions, leaky_stats, FEATURE_TTL)
    both = correct["avg_order_value"].notna() & leaky["avg_order_value"].notna()
    labels = transactions.loc[both, "is_fraud"]
    auc_correct = roc_auc_score(labels, (correct["amount"] / correct["avg_order_value"])[both])
    auc_leaky = roc_auc_score(labels, (leaky["amount"] / leaky["avg_order_value"])[both])
    changed = (leaky["avg_order_value"] / correct["avg_order_value"] - 1).abs()[both] > 0.05
    assert changed.mean() > 0.5, "a one-day peek must change the feature for most rows"
    assert auc_correct > 0.95
    assert auc_correct - auc_leaky > 0.003, (auc_correct, auc_leaky)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="customers"):
        GeneratorConfig(customers=0)
    with pytest.raises(ValueError, match="timezone"):
        GeneratorConfig(end=datetime(2026, 1, 1))
