"""A real Prometheus and Pushgateway (Debian's packages) for the tests, on free ports, stopped after.

The shipped alert rules are copied with their time constants shortened (``for:`` to 2 s,
range windows to 10 s) and evaluated every second: the expressions, thresholds and labels
stay the shipped ones, so an alert that fires here fires in production, only sooner.
"""

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from core.settings import REPO_ROOT
from tests.conftest import free_port
from tests.service_process import stop

RULE_FILES = ("model-alerts.rules.yml", "materialization_rules.yml")
TEST_FOR = "2s"
TEST_WINDOW = "[10s]"


def shortened_rules(source: Path) -> dict[str, Any]:
    """The shipped rule file with every ``for:`` at 2 s and every ``[Nm]`` range at 10 s."""
    document = yaml.safe_load(source.read_text())
    for group in document["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = TEST_FOR
            rule["expr"] = re.sub(r"\[\d+[smh]\]", TEST_WINDOW, rule["expr"])
    return dict(document)


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: .ci/run installs Debian's prometheus and prometheus-pushgateway")
    return found


@dataclass
class AlertTimeline:
    """When each alert was first seen firing and then seen gone, in seconds since its cause was induced."""

    induced: dict[str, float] = field(default_factory=dict)
    fired: dict[str, float] = field(default_factory=dict)
    cleared: dict[str, float] = field(default_factory=dict)
    resolved: dict[str, float] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, float, float]]:
        return [
            (name, self.fired[name] - self.induced[name], self.resolved[name] - self.cleared[name])
            for name in self.fired
            if name in self.resolved
        ]


@dataclass
class Prometheus:
    url: str
    process: "subprocess.Popen[bytes]"

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10).json()
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = httpx.get(f"{self.url}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
        return alerts

    def firing(self) -> set[str]:
        return {alert["labels"]["alertname"] for alert in self.alerts() if alert["state"] == "firing"}

    def active(self) -> set[str]:
        return {alert["labels"]["alertname"] for alert in self.alerts()}

    def wait_until(self, predicate: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.25)
        raise AssertionError(f"{what} within {timeout:.0f}s; active alerts: {self.alerts()}")

    def wait_firing(self, names: set[str], timeline: AlertTimeline, timeout: float = 90.0) -> None:
        self.wait_until(lambda: names <= self.firing(), timeout, f"{sorted(names)} did not fire")
        for name in names:
            timeline.fired[name] = time.monotonic()

    def wait_resolved(self, names: set[str], timeline: AlertTimeline, timeout: float = 90.0) -> None:
        self.wait_until(lambda: not names & self.active(), timeout, f"{sorted(names)} did not resolve")
        for name in names:
            timeline.resolved[name] = time.monotonic()

    def targets_up(self) -> dict[str, str]:
        active = httpx.get(f"{self.url}/api/v1/targets", timeout=10).json()["data"]["activeTargets"]
        return {target["labels"]["job"]: target["health"] for target in active}


def _config(folder: Path, targets: dict[str, str]) -> Path:
    rule_paths = []
    for name in RULE_FILES:
        path = folder / name
        path.write_text(yaml.safe_dump(shortened_rules(REPO_ROOT / "deploy" / "prometheus" / name), sort_keys=False))
        rule_paths.append(str(path))
    scrape = [
        {"job_name": job, "honor_labels": job == "pushgateway", "static_configs": [{"targets": [target]}]}
        for job, target in targets.items()
    ]
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "900ms"},
        "rule_files": rule_paths,
        "scrape_configs": scrape,
    }
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    check = subprocess.run([_binary("promtool"), "check", "config", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    return path


def _wait_ready(url: str, process: "subprocess.Popen[bytes]", log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready")


@contextmanager
def pushgateway(folder: Path) -> Iterator[str]:
    address = f"127.0.0.1:{free_port()}"
    log = folder / "pushgateway.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [_binary("prometheus-pushgateway"), f"--web.listen-address={address}"], stdout=sink, stderr=sink
        )
    try:
        _wait_ready(f"http://{address}/-/ready", process, log)
        yield address
    finally:
        stop(process, timeout=10)


@contextmanager
def prometheus(folder: Path, targets: dict[str, str]) -> Iterator[Prometheus]:
    """Prometheus scraping ``targets`` (job name -> host:port) every second, with the shortened rules."""
    folder.mkdir(parents=True, exist_ok=True)
    config = _config(folder, targets)
    address = f"127.0.0.1:{free_port()}"
    log = folder / "prometheus.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                _binary("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={folder / 'tsdb'}",
                f"--web.listen-address={address}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=sink,
            stderr=sink,
        )
    try:
        _wait_ready(f"http://{address}/-/ready", process, log)
        yield Prometheus(f"http://{address}", process)
    finally:
        stop(process, timeout=15)
