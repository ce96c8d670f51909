"""Promotion and rollback under steady load against the real service: zero failed requests."""

import time

import httpx
import pytest

from registry.lifecycle import Lifecycle
from registry.version_labels import register
from tests.conftest import free_port
from tests.fixtures.registry_runs import Runs
from tests.inference.steady_load import SteadyLoad
from tests.service_process import running_service

pytestmark = pytest.mark.integration

MODEL = "hot_swap_fraud"
TOKEN = "test-admin-token"
POLL_SECONDS = 0.5


def _only_version_after(load: SteadyLoad, first: float, until: float, version: str) -> list[str | None]:
    """Other versions answered to requests started after ``first`` (when ``version`` had answered) and ``until``."""
    return [
        answer.version for answer in load.snapshot() if first < answer.started < until and answer.version != version
    ]


def test_promote_and_rollback_under_load_never_fail_and_switch_version(runs: Runs, lifecycle: Lifecycle) -> None:
    def add(label: str, uri: str) -> str:
        return register(
            lifecycle,
            name=MODEL,
            label=label,
            metrics={"auc": 0.9},
            params={},
            model_uri=uri,
            tracking_uri=runs.tracking_uri,
        ).version

    v1, v2, broken = add("v1", runs.good), add("v2", runs.good), add("v3-broken", runs.broken)
    lifecycle.promote(MODEL, "v1", "production", reason="test baseline")
    env = {
        "MLOPS_MODEL_NAME": MODEL,
        "MLOPS_MODEL_POLL_INTERVAL_SECONDS": str(POLL_SECONDS),
        "MLOPS_ADMIN_TOKEN": TOKEN,
        "MLOPS_PREDICTION_LOG_DIR": "",
    }
    admin = {"Authorization": f"Bearer {TOKEN}"}
    with running_service(free_port(), env) as url, SteadyLoad(url) as load:
        load.wait_for_version(v1, since=0.0)

        promoted_at = time.monotonic()
        lifecycle.promote(MODEL, "v2", "production", reason="test promote")
        first_v2 = load.wait_for_version(v2, since=promoted_at)

        rolled_back_at = time.monotonic()
        lifecycle.rollback(MODEL, reason="test rollback")
        first_v1 = load.wait_for_version(v1, since=rolled_back_at)
        # Once one answer came from the new version, every request started later got it too.
        assert _only_version_after(load, first_v2.finished, rolled_back_at, v2) == []

        lifecycle.promote(MODEL, "v3-broken", "production", reason="test broken version")
        deadline = time.monotonic() + 60
        status: dict[str, object] = {}
        while time.monotonic() < deadline:
            status = httpx.get(f"{url}/admin/model", headers=admin).json()
            if status["last_failure"]:
                break
            time.sleep(0.1)
        reload = httpx.post(f"{url}/admin/reload", headers=admin, timeout=30)
        after_broken = time.monotonic()
        time.sleep(3 * POLL_SECONDS)
        lifecycle.rollback(MODEL, reason="back from the broken version")
        time.sleep(3 * POLL_SECONDS)
        stopped_at = time.monotonic()

        settled = httpx.post(f"{url}/admin/reload", headers=admin, timeout=30)
        unauthenticated = httpx.post(f"{url}/admin/reload")
        wrong_token = httpx.post(f"{url}/admin/reload", headers={"Authorization": "Bearer nope"})

    assert load.failures() == []
    assert _only_version_after(load, first_v1.finished, stopped_at, v1) == []
    assert status["model_version"] == v1
    assert status["last_failure"]["version"] == broken  # type: ignore[index]
    assert "warm-up" in status["last_failure"]["error"]  # type: ignore[index]
    assert reload.status_code == 409
    assert reload.json()["serving"] == v1
    assert [a for a in load.snapshot() if a.started > after_broken and a.version != v1] == []
    assert (settled.status_code, settled.json()["result"], settled.json()["serving"]) == (200, "unchanged", v1)
    assert unauthenticated.status_code == 401
    assert wrong_token.status_code == 403
    switched = (first_v2.finished - promoted_at, first_v1.finished - rolled_back_at)
    print(f"\nswitch after promote {switched[0]:.2f}s, after rollback {switched[1]:.2f}s")
