"""The feature views behind a feature service, as batch scoring needs them: source, TTL, first event times.

Read from the Feast registry, so batch scoring follows the definitions ``feast apply``
registered. The first event time per customer separates ``stale`` from ``missing``
(see ``inference.batch.statuses``); it is one aggregate over the view's file source.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd
from feast import FeatureService, FeatureStore, FileSource

from core.errors import UserError


@dataclass(frozen=True)
class ViewSource:
    name: str
    features: tuple[str, ...]
    """The service's features of this view, in service order."""
    join_key: str
    ttl: timedelta | None
    path: str
    timestamp_field: str
    created_timestamp_column: str | None


def service_views(store: FeatureStore, service: FeatureService) -> list[ViewSource]:
    """One entry per view of the service; only Parquet file sources, which both engines can read."""
    views = []
    for projection in service.feature_view_projections:
        view = store.get_feature_view(projection.name)
        source = view.batch_source
        if not isinstance(source, FileSource):
            raise UserError(f"batch scoring reads file sources only; view {view.name} has a {type(source).__name__}")
        path = Path(source.path)
        if not path.is_absolute() and store.repo_path is not None:
            path = Path(store.repo_path) / path
        join_keys = [column.name for column in view.entity_columns]
        if len(join_keys) != 1:
            raise UserError(f"batch scoring needs one join key per view; {view.name} has {join_keys}")
        views.append(
            ViewSource(
                name=view.name,
                features=tuple(feature.name for feature in projection.features),
                join_key=join_keys[0],
                ttl=view.ttl if view.ttl else None,
                path=str(path),
                timestamp_field=source.timestamp_field,
                created_timestamp_column=source.created_timestamp_column or None,
            )
        )
    return views


def first_seen(view: ViewSource) -> pd.Series:
    """Earliest event time per join key (UTC, microseconds), indexed by the key."""
    import duckdb

    query = (
        f'SELECT "{view.join_key}" AS key, min("{view.timestamp_field}") AS first_seen FROM read_parquet(?) GROUP BY 1'
    )
    try:
        frame = duckdb.execute(query, [view.path]).df()
    except duckdb.Error as error:
        raise UserError(f"cannot read the source of view {view.name} at {view.path}: {error}") from error
    seen = pd.to_datetime(frame["first_seen"], utc=True).dt.floor("us").astype("datetime64[us, UTC]")
    return pd.Series(seen.array, index=pd.Index(frame["key"].to_numpy()), name=view.name)
