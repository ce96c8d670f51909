"""Pure logic of serving two feature services at once: picking a model's columns, logging both."""

from inference.feature_services import pick, positions
from inference.online_features import FeatureStatus, FeatureVector
from inference.prediction_log import _table

PRESENT, MISSING = FeatureStatus.PRESENT, FeatureStatus.MISSING


def test_a_model_gets_its_own_columns_in_its_own_order_from_a_union_read() -> None:
    union = FeatureVector((1.0, None, 3.0, 4.0), (PRESENT, MISSING, PRESENT, PRESENT), 10.0)
    at = positions(("a", "b", "c", "d"), ("d", "b"))
    assert at == (3, 1)
    assert pick(union, at) == FeatureVector((4.0, None), (PRESENT, MISSING), 10.0)


def test_the_log_keeps_columns_only_a_later_record_has() -> None:
    records = [{"score": 0.1, "total_purchases": 3.0}, {"score": 0.2, "total_purchases": 1.0, "txn_count_10m": 2.0}]
    assert _table(records).to_pylist() == [
        {"score": 0.1, "total_purchases": 3.0, "txn_count_10m": None},
        {"score": 0.2, "total_purchases": 1.0, "txn_count_10m": 2.0},
    ]
