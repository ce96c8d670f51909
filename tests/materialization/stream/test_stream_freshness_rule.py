"""The streaming view's freshness alert: the promtool case in model-alerts.test.yml uses the view's real SLA.

``promtool test rules`` (tests/monitoring/test_alert_rules.py) shows FeatureFreshnessBreach
firing for customer_txn_velocity about 6 minutes after the stream consumer stops and resolving
when it runs again; this pins that case's 60 s to what the freshness check reads from the tag.
"""

from datetime import timedelta

import yaml

from core.paths import REPO_ROOT
from feature_repo.customer_txn_velocity import customer_txn_velocity
from materialization.freshness import view_sla


def test_the_rule_test_uses_the_sla_the_freshness_check_reads_from_the_tag() -> None:
    sla = view_sla(customer_txn_velocity, {})
    assert sla == timedelta(seconds=60)
    tests = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus" / "model-alerts.test.yml").read_text())["tests"]
    series = {item["series"]: item["values"] for case in tests for item in case["input_series"]}
    assert series['mlops_materialization_freshness_sla_seconds{view="customer_txn_velocity"}'].startswith("60x")
