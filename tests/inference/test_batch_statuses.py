"""The status rule of batch scoring, as pure logic: present, stale (TTL cut it off) or missing."""

import pandas as pd

from inference.batch.statuses import STATUSES, view_statuses
from inference.online_features import FeatureStatus


def test_batch_statuses_are_the_services_statuses() -> None:
    assert set(STATUSES) == {status.value for status in FeatureStatus}


def test_a_null_is_stale_only_when_the_whole_row_is_null_after_history_began() -> None:
    at = pd.Series(pd.to_datetime(["2026-03-05", "2026-03-05", "2026-03-01", "2026-03-05", "2026-03-05"], utc=True))
    first_seen = pd.Series(pd.to_datetime(["2026-03-01", "2026-03-01", "2026-03-02", None, "2026-03-01"], utc=True))
    values = pd.DataFrame({"a": [1.0, None, None, None, 2.0], "b": [3.0, None, None, None, None]})
    statuses = view_statuses(values, first_seen, at)
    # row 0: values; row 1: history before, nothing inside the TTL; row 2: before history;
    # row 3: no history at all; row 4: a row inside the TTL whose b is null at the source.
    assert statuses["a_status"].tolist() == ["present", "stale", "missing", "missing", "present"]
    assert statuses["b_status"].tolist() == ["present", "stale", "missing", "missing", "missing"]


def test_naive_times_count_as_utc() -> None:
    statuses = view_statuses(
        pd.DataFrame({"a": [None]}),
        pd.Series(pd.to_datetime(["2026-03-01 10:00"], utc=True)),
        pd.Series(pd.to_datetime(["2026-03-01 10:00"])),
    )
    assert statuses["a_status"].tolist() == ["stale"]
