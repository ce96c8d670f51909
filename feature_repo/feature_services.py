"""Feature services: the versioned feature sets that models are trained and served with."""

from feast import FeatureService

from feature_repo.customer_stats import customer_stats

fraud_detector_v1 = FeatureService(
    name="fraud_detector_v1",
    features=[customer_stats],
    description="Inputs of the fraud_detector model, v1.",
    tags={"owner": "fraud-team", "model": "fraud_detector"},
)
