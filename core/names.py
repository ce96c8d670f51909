"""Names shared across stages: one definition each, so training, serving and monitoring agree."""

MODEL_NAME = "fraud_detector"
"""The registered model in MLflow."""
FEATURE_SERVICE = "fraud_detector_v1"
"""The Feast feature service the model is trained and served with."""
EXPERIMENT = "fraud_detector"
"""The MLflow experiment training runs are logged to."""

PRODUCTION = "production"
"""Alias of the version that serves traffic."""
STAGING = "staging"
"""Alias of a version awaiting promotion."""
ARCHIVED = "archived"
"""Alias of the version production replaced: what rollback returns to."""
STAGES = (PRODUCTION, STAGING)
"""Aliases a user may promote to."""
CANARY = "canary"
"""Alias of a version serving a weighted share of traffic during a rollout."""
SHADOW = "shadow"
"""Alias of a version scoring every request off the response path during a rollout."""
ROLLOUT_ALIASES = (CANARY, SHADOW)
"""Aliases a rollout sets; at most one of them at a time."""
