"""The Grafana dashboard queries only metrics that something in this project exports."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "fraud-scoring.dashboard.json"
EXPORTED = {
    "http_request_duration_seconds_bucket",
    "http_requests_total",
    "feature_lookup_duration_seconds_bucket",
    "prediction_score_bucket",
    "prediction_score_sum",
    "prediction_score_count",
    "prediction_feature_status_total",
    "model_info",
    "prediction_log_written_total",
    "prediction_log_dropped_total",
    "mlops_feature_drift_ks_statistic",
    "mlops_feature_drift_psi",
    "mlops_model_auc",
    "mlops_model_reference_auc",
    "mlops_materialization_newest_event_timestamp_seconds",
    "mlops_materialization_freshness_sla_seconds",
}
PROMQL_WORDS = {"histogram_quantile", "sum", "by", "rate", "increase", "le", "max", "time", "ignoring", "group_left"}
PROMQL_WORDS |= {"or", "vector"}


def test_panels_cover_the_issue_and_query_exported_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    titles = " ".join(panel["title"].lower() for panel in dashboard["panels"])
    for topic in ("latency", "error rate", "prediction score", "drift", "freshness", "accuracy"):
        assert topic in titles
    for expr in exprs:
        bare = re.sub(r'\{[^}]*\}|"[^"]*"|\[[^\]]*\]', "", expr)
        names = {word for word in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", bare) if word not in PROMQL_WORDS}
        names -= {"route", "status", "feature", "model_name", "model_version"}
        assert names <= EXPORTED, f"{expr}: unknown {names - EXPORTED}"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_metric_names_exist_in_the_code_that_exports_them() -> None:
    sources = " ".join(
        path.read_text()
        for folder in ("inference", "monitoring", "materialization")
        for path in (ROOT / folder).glob("*.py")
    )
    for name in EXPORTED:
        base = re.sub(r"_(bucket|sum|count|total)$", "", name).removeprefix("mlops_materialization_")
        assert base in sources, name
