"""``mlops validate --url``: is a deployed service really serving, observable and reversible?

Smoke tests over HTTP (ready; a known and an unknown customer; bad input is a 422 naming the
field; a batch), the metrics every service panel of the Grafana dashboard queries, and, on
request, a rollback rehearsal: production moves to the archived version and back (the same
registry code as `mlops registry rollback`) while a request loop runs, counting failed
requests and the time until the service answers from the other version.
"""

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from core.settings import REPO_ROOT

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "fraud-scoring.dashboard.json"
PROMQL_WORDS = {"histogram_quantile", "sum", "by", "rate", "increase", "le", "max", "time", "ignoring", "group_left"}
UNKNOWN_CUSTOMER = 2**62


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def service_metrics() -> set[str]:
    """Metric names the dashboard queries that the service itself exports (``mlops_*`` come from jobs)."""
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    bare = [re.sub(r"\{[^}]*\}|\b(by|ignoring|without|on)\s*\([^)]*\)", "", expr) for expr in exprs]  # no labels
    names = {word for expr in bare for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)}
    return {name for name in names - PROMQL_WORDS if not name.startswith("mlops_") and "_" in name}


def _post(client: httpx.Client, path: str, body: object) -> httpx.Response:
    return client.post(path, json=body)


def smoke(client: httpx.Client, customer_id: int) -> list[Check]:
    checks = []
    ready = client.get("/ready")
    checks.append(Check("ready", ready.status_code == 200, f"GET /ready -> {ready.status_code}"))
    known = _post(client, "/predict", {"customer_id": customer_id, "amount": 42.0})
    body = known.json() if known.status_code == 200 else {}
    present = [name for name, status in body.get("feature_status", {}).items() if status == "present"]
    ok = known.status_code == 200 and 0 <= body.get("probability", -1) <= 1 and bool(present)
    checks.append(Check("known_customer", ok, f"{known.status_code}, {len(present)} features present"))
    unknown = _post(client, "/predict", {"customer_id": UNKNOWN_CUSTOMER, "amount": 42.0})
    statuses = set((unknown.json() if unknown.status_code == 200 else {}).get("feature_status", {}).values())
    ok = unknown.status_code == 200 and statuses == {"missing"}
    checks.append(Check("unknown_customer", ok, f"{unknown.status_code}, statuses {sorted(statuses)}"))
    bad = _post(client, "/predict", {"customer_id": -1, "amount": 1.0})
    checks.append(Check("bad_input_422", bad.status_code == 422 and "customer_id" in bad.text, f"{bad.status_code}"))
    items = [{"customer_id": customer_id, "amount": 1.0 + k} for k in range(3)]
    batch = _post(client, "/predict/batch", {"items": items})
    count = len(batch.json().get("predictions", [])) if batch.status_code == 200 else 0
    checks.append(Check("batch", batch.status_code == 200 and count == 3, f"{batch.status_code}, {count} answers"))
    text = client.get("/metrics").text
    missing = sorted(name for name in service_metrics() if not re.search(rf"^{name}[{{ ]", text, re.MULTILINE))
    checks.append(Check("dashboard_metrics", not missing, f"missing: {', '.join(missing)}" if missing else "all"))
    return checks


@dataclass
class RequestLoop:
    """/predict in a thread until stopped: every status and answering version, with its time."""

    url: str
    customer_id: int
    answers: list[tuple[float, int, str | None]]
    stop: threading.Event

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                try:
                    response = _post(client, "/predict", {"customer_id": self.customer_id, "amount": 10.0})
                    version = response.json().get("model_version") if response.status_code == 200 else None
                    self.answers.append((time.monotonic(), response.status_code, version))
                except httpx.HTTPError:
                    self.answers.append((time.monotonic(), 0, None))

    def switched(self, since: float, version: str, timeout: float, streak: int = 10) -> float | None:
        """Seconds from ``since`` to the first of ``streak`` answers in a row from ``version``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            recent = [answer for answer in self.answers if answer[0] >= since]
            for index in range(len(recent) - streak + 1):
                if all(answer[2] == version for answer in recent[index : index + streak]):
                    return recent[index][0] - since
            time.sleep(0.1)
        return None


def rehearse_rollback(url: str, customer_id: int, rollback: Callable[[], tuple[str, str]], timeout: float) -> Check:
    """Roll back and forward again under a request loop; ``rollback`` returns (from, to) versions."""
    loop = RequestLoop(url, customer_id, [], threading.Event())
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        original, archived = rollback()
        to_archived = loop.switched(started, archived, timeout)
        back = time.monotonic()
        rollback()
        to_original = loop.switched(back, original, timeout)
    finally:
        loop.stop.set()
        thread.join(timeout=15)
    failed = sum(1 for _, status, _ in loop.answers if status != 200)
    ok = failed == 0 and to_archived is not None and to_original is not None
    seconds = [f"{value:.2f}s" if value is not None else "never" for value in (to_archived, to_original)]
    detail = f"{len(loop.answers)} requests, {failed} failed; v{original} -> v{archived} in {seconds[0]}"
    detail += f", back in {seconds[1]}"
    return Check("rollback_rehearsal", ok, detail)


def report(checks: list[Check]) -> dict[str, Any]:
    return {"passed": all(check.passed for check in checks), "checks": [asdict(check) for check in checks]}
