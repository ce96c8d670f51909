"""Real-time feature view ``customer_txn_velocity``: transaction count and amount per customer.

Velocities are the strongest fraud signals and go stale in minutes, so batch
materialization cannot keep them current. ``mlops stream run`` computes them from the
transaction stream and pushes every update through the push source (online, and offline in
batches so that point-in-time training sees the values the stream served). The batch
source holds that history.
"""

from datetime import timedelta

from feast import FeatureView, Field, FileSource, PushSource
from feast.types import Float64, Int64

from core.paths import ProjectPaths
from feature_repo.entities import customer

customer_txn_velocity_history = FileSource(
    name="customer_txn_velocity_history",
    path=str(ProjectPaths.from_env().customer_txn_velocity),
    timestamp_field="event_timestamp",
    description="Every velocity row the stream consumer pushed, appended in batches.",
    tags={"owner": "fraud-team"},
)

customer_txn_velocity_push = PushSource(
    name="customer_txn_velocity_push",
    batch_source=customer_txn_velocity_history,
    description="Where the stream consumer (and any service, via POST /push) writes velocity rows.",
    tags={"owner": "fraud-team"},
)

customer_txn_velocity = FeatureView(
    name="customer_txn_velocity",
    entities=[customer],
    ttl=timedelta(hours=2),
    schema=[
        Field(name="customer_id", dtype=Int64, description="Join key."),
        Field(name="txn_count_10m", dtype=Int64, description="Transactions in the 10 minutes up to the row's time."),
        Field(name="txn_amount_10m", dtype=Float64, description="Their summed amount."),
        Field(name="txn_count_1h", dtype=Int64, description="Transactions in the hour up to the row's time."),
        Field(name="txn_amount_1h", dtype=Float64, description="Their summed amount."),
    ],
    online=True,
    source=customer_txn_velocity_push,
    description="Sliding windows kept by the stream consumer; a row also marks a transaction leaving a window.",
    tags={"owner": "fraud-team", "freshness_sla": "60s", "team": "risk", "kind": "stream"},
)
