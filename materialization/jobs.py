"""Materialization jobs, run through Feast so that its write path and timestamp check apply."""

from dataclasses import dataclass
from datetime import datetime

from feast import FeatureStore


@dataclass(frozen=True)
class MaterializationResult:
    views: tuple[str, ...]
    start: datetime | None
    end: datetime


def materialize(
    store: FeatureStore,
    end: datetime,
    start: datetime | None = None,
    views: list[str] | None = None,
) -> MaterializationResult:
    """Materialize ``[start, end]``, or incrementally from each view's last run when ``start`` is None.

    Feast keeps the newest event per entity and refuses to overwrite a newer online value
    with an older one, so re-running a window is safe.
    """
    selected = views or [view.name for view in store.list_feature_views() if view.online]
    if start is None:
        store.materialize_incremental(end_date=end, feature_views=selected)
    else:
        store.materialize(start_date=start, end_date=end, feature_views=selected)
    return MaterializationResult(views=tuple(selected), start=start, end=end)
