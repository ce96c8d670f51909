"""The Prometheus rules pass ``promtool check rules`` and their unit tests, and follow the house shape."""

import subprocess
from pathlib import Path

import yaml

from tests.promtool import promtool

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES = RULES_DIR / "model-alerts.rules.yml"
RULE_TESTS = RULES_DIR / "model-alerts.test.yml"


def test_promtool_check_rules() -> None:
    completed = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "SUCCESS: 8 rules found" in completed.stdout


def test_promtool_rule_unit_tests() -> None:
    completed = subprocess.run(
        [promtool(), "test", "rules", RULE_TESTS.name], capture_output=True, text=True, cwd=RULES_DIR
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_rule_has_severity_for_summary_and_description_and_a_firing_test() -> None:
    rules = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case["exp_alerts"]}
    quiet = {case["alertname"] for test in tests for case in test["alert_rule_test"] if not case["exp_alerts"]}
    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["for"], rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
    names = {rule["alert"] for rule in rules}
    assert names <= fired, f"rules never shown to fire: {names - fired}"
    assert names - {"FeatureDriftPSI", "DriftCheckNotRunning"} <= quiet
