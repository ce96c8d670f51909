"""Feature services: the versioned feature sets that models are trained and served with."""

from feast import FeatureService

from feature_repo.customer_stats import customer_stats
from feature_repo.customer_txn_velocity import customer_txn_velocity

fraud_detector_v1 = FeatureService(
    name="fraud_detector_v1",
    features=[customer_stats],
    description="Inputs of the fraud_detector model, v1.",
    tags={"owner": "fraud-team", "model": "fraud_detector"},
)

fraud_detector_v2 = FeatureService(
    name="fraud_detector_v2",
    features=[customer_stats, customer_txn_velocity],
    description="Inputs of the fraud_detector model, v2: v1 plus the streamed transaction velocities.",
    tags={"owner": "fraud-team", "model": "fraud_detector"},
)
