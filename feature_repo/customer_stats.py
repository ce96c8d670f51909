"""Feature view ``customer_stats``: daily purchase statistics per customer."""

from datetime import timedelta

from feast import FeatureView, Field
from feast.types import Float64, Int64

from feature_repo.entities import customer
from feature_repo.sources import customer_stats_source

customer_stats = FeatureView(
    name="customer_stats",
    entities=[customer],
    ttl=timedelta(days=2),
    schema=[
        Field(name="customer_id", dtype=Int64, description="Join key."),
        Field(name="total_purchases", dtype=Int64, description="Orders placed to date."),
        Field(name="avg_order_value", dtype=Float64, description="Mean order value to date."),
        Field(
            name="days_since_last_order",
            dtype=Int64,
            description="Whole days between the snapshot and the previous order.",
        ),
        Field(name="lifetime_value", dtype=Float64, description="Total spend to date."),
    ],
    online=True,
    source=customer_stats_source,
    description="Snapshots are daily, so a value older than two days means the pipeline stalled.",
    tags={"owner": "fraud-team", "freshness_sla": "26h", "team": "risk"},
)
