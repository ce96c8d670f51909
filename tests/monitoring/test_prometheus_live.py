"""The dashboards and alert rules in a real Prometheus, scraping a real ``mlops serve --workers 2``.

Prometheus (Debian's package) scrapes the service, ``mlops materialize schedule`` and a
Pushgateway (where ``mlops monitor run`` / ``accuracy`` push) every second, and evaluates the
shipped rules with shortened ``for:`` and windows (tests/monitoring/prometheus_stack.py).
Each alert is induced the way it happens in production and must fire, then resolve once the
cause is gone: stale online data (SLA 2 min, data hours old) until ``mlops data append``
brings new rows; drift until an undrifted log is checked; Redis frozen with SIGSTOP (p99 over
200 ms) until thawed; Redis down (503s) until restarted. Every PromQL expression of
``deploy/grafana/*.json`` must return data. The timeline is printed (issue 14's closing note).
"""

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from core.paths import mlflow_tracking_uri
from core.settings import REPO_ROOT
from inference.prediction_log import PredictionLog
from mlops.main import app
from registry.reference_profile import load_reference_profile
from tests.conftest import free_port
from tests.fixtures.isolated_project import IsolatedProject, make_isolated_project
from tests.fixtures.scale_out import serve
from tests.inference.steady_load import SteadyLoad
from tests.monitoring.prometheus_stack import AlertTimeline, Prometheus, prometheus, pushgateway
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = [pytest.mark.integration, pytest.mark.slow]
runner = CliRunner()

FRESHNESS = {"FeatureFreshnessBreach", "MaterializationUpstreamStopped"}
DRIFT = {"FeatureDriftKS", "FeatureDriftPSI"}
LATENCY = {"InferenceLatencyP99High"}
ERRORS = {"InferenceErrorRateHigh"}


def _dashboard_expressions() -> list[str]:
    found: list[str] = []

    def walk(panels: list[dict[str, object]]) -> None:
        for panel in panels:
            found.extend(str(target["expr"]) for target in panel.get("targets", []))  # type: ignore[attr-defined]
            walk(panel.get("panels", []))  # type: ignore[arg-type]

    for path in sorted((REPO_ROOT / "deploy" / "grafana").glob("*.json")):
        walk(json.loads(path.read_text())["panels"])
    return found


def _write_log(folder: Path, frame: pd.DataFrame) -> None:
    """Through the service's own writer, so ``mlops monitor`` reads exactly what serving writes."""
    log = PredictionLog(folder, flush_seconds=0.05)
    log.start()
    for record in frame.to_dict("records"):
        log.submit({key: (None if isinstance(v, float) and np.isnan(v) else v) for key, v in record.items()})
    log.stop()


def _prediction_log(trained_model: TrainingOutcome, folder: Path, amount_factor: float) -> pd.DataFrame:
    """4,000 predictions drawn from the version's own training profile, ``amount`` scaled by the factor."""
    profile = load_reference_profile(mlflow_tracking_uri(), trained_model.registered.run_id)
    current = profile.sample(n=4000, replace=True, random_state=5).reset_index(drop=True)
    current["amount"] = current["amount"] * amount_factor
    now = pd.Timestamp(datetime.now(UTC))
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range(now - timedelta(minutes=50), now - timedelta(seconds=5), periods=len(current)),
            "request_id": [f"r{i}" for i in range(len(current))],
            "customer_id": np.arange(len(current)) % 500 + 1,
            "model_name": "fraud_detector",
            "model_version": trained_model.registered.version,
            "score": np.random.default_rng(1).random(len(current)),
        }
    ).join(current)
    _write_log(folder, frame)
    return frame


def _monitor(*args: str) -> int:
    result = runner.invoke(app, ["monitor", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, generated_data: GeneratedData) -> Iterator[IsolatedProject]:
    folder = tmp_path_factory.mktemp("prometheus-project")
    sla = "views:\n  customer_stats:\n    freshness_sla: 2m\n"
    isolated = make_isolated_project(folder, "fraud_prom", sla, until_midnight=True)
    yield isolated
    isolated.redis.stop()


def test_dashboards_populate_and_alerts_fire_and_resolve(
    project: IsolatedProject, trained_model: TrainingOutcome, tmp_path: Path
) -> None:
    timeline = AlertTimeline()
    metrics_port = free_port()
    env = {**project.env, "MLOPS_REDIS_TIMEOUT_SECONDS": "5"}
    with (
        pushgateway(tmp_path) as gateway,
        project.scheduler(tmp_path / "scheduler.log", metrics_port),
        serve(tmp_path / "serve.log", env, trained_model, "--workers", "2", ready_path="/ready") as service,
    ):
        targets = {
            "mlops-inference": service.url.removeprefix("http://"),
            "mlops-materialization": f"127.0.0.1:{metrics_port}",
            "pushgateway": gateway,
        }
        with prometheus(tmp_path / "prometheus", targets) as prom, SteadyLoad(service.url, threads=2) as load:
            prom.wait_until(lambda: set(prom.targets_up().values()) == {"up"}, 60, "targets not all up")
            for customer_id in (987_654_321, 987_654_322):  # nothing online: the missing-share panel
                assert httpx.post(f"{service.url}/predict", json={"customer_id": customer_id, "amount": 5.0}).is_success
            _freshness(prom, project, timeline, tmp_path / "scheduler.log")
            _drift(prom, trained_model, tmp_path, gateway, timeline)
            _accuracy(trained_model, tmp_path, gateway)
            _dashboards_have_data(prom)
            _latency(prom, project, timeline)
            _error_rate(prom, project, timeline)
            statuses = {answer.status for answer in load.snapshot()}
        assert statuses <= {200, 503}, statuses  # 503 only while Redis was down
    print("\nalert                              fired after  resolved after  (seconds from cause / from cure)")
    for name, fired, resolved in timeline.rows():
        print(f"{name:34} {fired:11.1f}  {resolved:14.1f}")
    assert {name for name, *_ in timeline.rows()} == FRESHNESS | DRIFT | LATENCY | ERRORS


def _freshness(prom: Prometheus, project: IsolatedProject, timeline: AlertTimeline, scheduler_log: Path) -> None:
    """The copied data ends at midnight, hours past the 2 min SLA; new upstream rows cure it."""
    # The scheduler exports the view's newest event after its first run; a loaded machine may
    # take a while, and without the series the rules have nothing to fire on.
    newest = 'mlops_materialization_newest_event_timestamp_seconds{view="customer_stats"}'
    prom.wait_until(lambda: bool(prom.query(newest)), 180, f"no {newest} from the scheduler")
    for name in FRESHNESS:
        timeline.induced[name] = time.monotonic()
    try:
        prom.wait_firing(FRESHNESS, timeline, timeout=180)
    except AssertionError as error:
        age = prom.query(f"time() - {newest}")
        sla = prom.query("mlops_materialization_freshness_sla_seconds")
        raise AssertionError(
            f"{error}; age {age}; sla {sla}; scheduler log: {scheduler_log.read_text(errors='replace')[-3000:]}"
        ) from None
    for name in FRESHNESS:
        timeline.cleared[name] = time.monotonic()
    project.run("data", "append")  # a new snapshot of every customer, stamped now
    prom.wait_resolved(FRESHNESS, timeline)


def _drift(
    prom: Prometheus, trained_model: TrainingOutcome, tmp_path: Path, gateway: str, timeline: AlertTimeline
) -> None:
    _prediction_log(trained_model, tmp_path / "shifted", amount_factor=3.0)
    _prediction_log(trained_model, tmp_path / "as-trained", amount_factor=1.0)
    for name in DRIFT:
        timeline.induced[name] = time.monotonic()
    assert _monitor("run", "--last", "1h", "--log-dir", str(tmp_path / "shifted"), "--pushgateway", gateway) == 1
    prom.wait_firing(DRIFT, timeline)
    for name in DRIFT:
        timeline.cleared[name] = time.monotonic()
    assert _monitor("run", "--last", "1h", "--log-dir", str(tmp_path / "as-trained"), "--pushgateway", gateway) == 0
    prom.wait_resolved(DRIFT, timeline)


def _accuracy(trained_model: TrainingOutcome, tmp_path: Path, gateway: str) -> None:
    """Delayed labels for the as-trained log, so the accuracy panel has its two series."""
    frame = pd.read_parquet(tmp_path / "as-trained")
    labels = pd.DataFrame({"request_id": frame["request_id"], "is_fraud": (frame["score"] > 0.9).astype(int)})
    labels.to_parquet(tmp_path / "labels.parquet")
    args = ["--labels", str(tmp_path / "labels.parquet"), "--log-dir", str(tmp_path / "as-trained")]
    _monitor("accuracy", *args, "--pushgateway", gateway)


def _dashboards_have_data(prom: Prometheus) -> None:
    expressions = _dashboard_expressions()
    assert len(expressions) >= 19
    empty: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        empty = [expr for expr in expressions if not prom.query(expr)]
        if not empty:
            return
        time.sleep(1)
    raise AssertionError(f"dashboard expressions without data: {empty}")


def _redis_pid(project: IsolatedProject) -> int:
    return int(project.redis.pid_file.read_text().strip())


def _latency(prom: Prometheus, project: IsolatedProject, timeline: AlertTimeline) -> None:
    """Redis frozen 0.9 s in every second: requests wait (timeout 5 s), none fails, p99 > 200 ms.

    The load is closed-loop, so each client thread has one slow request per freeze and a fast
    one every few ms while Redis runs: the thawed share of each cycle must be short for the
    slow ones to pass 1% of all requests, which is what p99 > 200 ms means.
    """
    pid = _redis_pid(project)
    timeline.induced["InferenceLatencyP99High"] = time.monotonic()
    deadline = time.monotonic() + 90
    try:
        while not prom.firing() >= LATENCY and time.monotonic() < deadline:
            os.kill(pid, signal.SIGSTOP)
            time.sleep(0.9)
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.1)
    finally:
        os.kill(pid, signal.SIGCONT)
    prom.wait_firing(LATENCY, timeline, timeout=1)
    timeline.cleared["InferenceLatencyP99High"] = time.monotonic()
    prom.wait_resolved(LATENCY, timeline)


def _error_rate(prom: Prometheus, project: IsolatedProject, timeline: AlertTimeline) -> None:
    timeline.induced["InferenceErrorRateHigh"] = time.monotonic()
    assert project.redis.stop()
    try:
        prom.wait_firing(ERRORS, timeline)
    finally:
        timeline.cleared["InferenceErrorRateHigh"] = time.monotonic()
        assert project.redis.start()
    prom.wait_resolved(ERRORS, timeline)
