"""The registry contract: tag names and prefixes on model versions, written by one stage, read by another.

Training writes them when it registers a version, the lifecycle when it promotes or archives
one, and the service reads them to refuse a model whose inputs do not match the Feast
registry. One definition each, so writer and reader cannot drift apart.
"""

TAG_FEATURE_SERVICE = "feature_service"
"""The Feast feature service a version was trained on."""
TAG_FEATURES = "features"
"""JSON list of the model's input names, in model order."""
TAG_GATE_PASSED = "gate_passed"
"""``true``/``false``: whether the evaluation gate passed at registration."""
TAG_LABEL = "version_label"
"""The human label (``v2.3``) a version was registered under."""
TAG_LIFECYCLE = "lifecycle"
"""Where the lifecycle last put the version (e.g. ``archived``)."""
TAG_ARCHIVED_AT = "archived_at"
"""When a promotion moved the version out of production."""
METRIC_PREFIX = "metric."
"""Prefix of tags holding the metrics a version was registered with."""
PARAM_PREFIX = "param."
"""Prefix of tags holding the parameters a version was registered with."""
AUDIT_TAG_PREFIX = "audit."
"""Prefix of the registered model's tags that form the transition audit log."""
TAG_CANARY_WEIGHT = "rollout.canary_weight"
"""Registered-model tag: percent of customers (0-100) the ``canary`` alias serves."""
TAG_ROLLOUT_STARTED_AT = "rollout.started_at"
"""Registered-model tag: when the current rollout started (UTC ISO time)."""
TAG_ROLLOUT_POLICY = "rollout.policy"
"""Registered-model tag: the analysis policy (JSON) the current rollout is judged by."""
