"""What a client sees after ``mlops serve --workers 2`` gets SIGTERM (issue 14, defect 5).

Guaranteed and tested here: requests in flight finish, and their response says
``connection: close`` so the client does not reuse the connection; an idle kept-alive
connection is closed in order (the client reads EOF, not a reset); and a *new* connection is
refused at once. Before, the parent process kept the port listening while its workers
drained, so new connections were accepted into a backlog nobody served and reset when the
parent exited. What no HTTP/1.1 server can guarantee (a request sent on an idle connection
at the instant the server closes it) is explained in docs/deployment.md.
"""

import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from stack.redis_server import LocalRedis
from tests.fixtures.scale_out import Service, connection_string, serve
from training.run import TrainingOutcome

pytestmark = pytest.mark.integration

IN_FLIGHT = 4
BODY = {"customer_id": 1, "amount": 10.0}


def _idle_keep_alive_socket(url: str) -> socket.socket:
    """A raw connection that made one request, read the whole answer, and now sits idle."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    answer = b""
    while not answer.endswith(b'{"status":"ok"}'):
        answer += sock.recv(4096)
    assert b"connection: close" not in answer.lower()
    return sock


def _wait_for_shutdown_of_both_workers(service: Service) -> None:
    deadline = time.monotonic() + 30
    while service.log_text().count("Shutting down") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.log_text().count("Shutting down") == 2
    time.sleep(0.5)  # each worker closes its listener right after logging that


def test_after_sigterm_in_flight_requests_finish_idle_ones_close_and_new_ones_are_refused(
    protected_redis: LocalRedis, trained_model: TrainingOutcome, tmp_path: Path
) -> None:
    env = {"REDIS_CONNECTION_STRING": connection_string(protected_redis), "MLOPS_REDIS_TIMEOUT_SECONDS": "30"}
    args = ("--workers", "2", "--graceful-timeout", "30")
    with serve(tmp_path / "serve.log", env, trained_model, *args) as service, httpx.Client(timeout=60) as kept:
        assert kept.post(f"{service.url}/predict", json=BODY).status_code == 200  # now kept alive
        idle = _idle_keep_alive_socket(service.url)
        redis_pid = int(protected_redis.pid_file.read_text().strip())
        os.kill(redis_pid, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(IN_FLIGHT + 1) as pool:
                on_kept = pool.submit(kept.post, f"{service.url}/predict", json=BODY)
                fresh = [pool.submit(httpx.post, f"{service.url}/predict", json=BODY, timeout=60) for _ in range(3)]
                time.sleep(1.0)
                assert not on_kept.done() and not any(f.done() for f in fresh)  # waiting on Redis: in flight
                service.process.send_signal(signal.SIGTERM)
                _wait_for_shutdown_of_both_workers(service)

                with pytest.raises(httpx.ConnectError):
                    httpx.post(f"{service.url}/predict", json=BODY, timeout=10)
                idle.settimeout(10)
                assert idle.recv(1) == b""  # an orderly close (FIN): a reset would raise here

                os.kill(redis_pid, signal.SIGCONT)
                kept_response = on_kept.result()
                responses = [kept_response, *(f.result() for f in fresh)]
        finally:
            os.kill(redis_pid, signal.SIGCONT)
            idle.close()
        assert [r.status_code for r in responses] == [200] * (IN_FLIGHT)
        assert kept_response.headers["connection"] == "close"  # the client will not reuse it
        assert service.process.wait(timeout=30) == 0
        assert "Traceback" not in service.log_text()
