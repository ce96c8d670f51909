"""Serving with several workers: SIGTERM drains in-flight requests; no secret reaches a log.

Requests are made provably in flight by freezing Redis (SIGSTOP): every worker has accepted
its requests and waits on Redis. SIGTERM then goes to ``mlops serve``; Redis is thawed; every
request must still complete with a correct answer, and the server exit cleanly.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from stack.redis_server import LocalRedis
from tests.fixtures.scale_out import connection_string, serve
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration

IN_FLIGHT = 12


def _redis_pid(server: LocalRedis) -> int:
    return int(server.pid_file.read_text().strip())


def test_sigterm_drains_in_flight_requests_across_workers(
    protected_redis: LocalRedis, trained_model: TrainingOutcome, tmp_path: Path
) -> None:
    env = {"REDIS_CONNECTION_STRING": connection_string(protected_redis), "MLOPS_REDIS_TIMEOUT_SECONDS": "20"}
    with serve(tmp_path / "serve.log", env, trained_model, "--workers", "2", "--graceful-timeout", "20") as service:
        assert httpx.get(f"{service.url}/ready", timeout=10).status_code == 200
        redis_pid = _redis_pid(protected_redis)
        os.kill(redis_pid, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(IN_FLIGHT) as pool:
                futures = [
                    pool.submit(
                        httpx.post, f"{service.url}/predict", json={"customer_id": i + 1, "amount": 10.0}, timeout=60
                    )
                    for i in range(IN_FLIGHT)
                ]
                time.sleep(1.5)
                assert not any(f.done() for f in futures)  # all waiting on the frozen Redis: in flight
                service.process.send_signal(signal.SIGTERM)
                time.sleep(1.5)
                assert service.process.poll() is None  # still draining, not gone
                os.kill(redis_pid, signal.SIGCONT)
                responses = [f.result() for f in futures]
        finally:
            os.kill(redis_pid, signal.SIGCONT)
        assert [r.status_code for r in responses] == [200] * IN_FLIGHT
        assert [r.json()["customer_id"] for r in responses] == list(range(1, IN_FLIGHT + 1))
        assert service.process.wait(timeout=30) == 0
        log = service.log_text()
        assert log.count("Waiting for application startup.") == 2  # each worker loaded its own model
        assert "Traceback" not in log


def test_no_secret_in_logs_or_responses_when_redis_fails(
    protected_redis: LocalRedis, trained_model: TrainingOutcome, tmp_path: Path
) -> None:
    password = protected_redis.endpoint.password
    assert password
    wrong_password = "wrong-" + password[::-1]
    body = {"customer_id": 1, "amount": 10.0}
    answers: list[str] = []
    logs: list[str] = []

    admin_token = secrets.token_hex(16)
    env = {
        "REDIS_CONNECTION_STRING": connection_string(protected_redis, wrong_password),
        "MLOPS_ADMIN_TOKEN": admin_token,
    }
    with serve(tmp_path / "wrong.log", env, trained_model) as service:
        for _ in range(3):
            refused = httpx.post(f"{service.url}/predict", json=body)
            assert refused.status_code == 503  # authentication failed: unavailable, not a 500
            answers.append(refused.text)
        answers.append(httpx.get(f"{service.url}/ready").text)
    logs.append(service.log_text())

    env = {"REDIS_CONNECTION_STRING": connection_string(protected_redis)}
    with serve(tmp_path / "down.log", env, trained_model) as service:
        assert httpx.post(f"{service.url}/predict", json=body).status_code == 200
        protected_redis.stop()
        for path in ("/predict", "/predict/batch"):
            payload = body if path == "/predict" else {"items": [body]}
            down = httpx.post(f"{service.url}{path}", json=payload)
            assert down.status_code == 503
            answers.append(down.text)
        answers.append(httpx.get(f"{service.url}/ready").text)
    logs.append(service.log_text())

    materialize = subprocess.run(
        [*SERVE_PREFIX, "materialize", "run", "--backfill-days", "2"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert materialize.returncode != 0
    logs.append(materialize.stdout + materialize.stderr)

    assert all("unavailable" in log or "Redis" in log for log in logs[:2])  # the failures were logged
    for text in answers + logs:
        assert password not in text
        assert wrong_password not in text
        assert admin_token not in text


SERVE_PREFIX = (sys.executable, "-m", "mlops")
