"""Running the real service as a subprocess and talking to it over HTTP."""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

SERVE = (sys.executable, "-m", "mlops", "serve")


def wait_for(url: str, process: subprocess.Popen[bytes], log: IO[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"service exited with {process.returncode}:\n{log.read().decode()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")


def stop(process: "subprocess.Popen[bytes]", timeout: float) -> None:
    """SIGTERM, so the server drains; SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_workers(
    metrics_dir: Path,
    workers: int,
    process: subprocess.Popen[bytes],
    log: IO[bytes],
    timeout: float,
) -> None:
    """Until ``workers`` processes have finished their start-up.

    ``/health`` answers as soon as the first worker is up; a slower sibling (a loaded CI
    machine) may still be loading its model, and every request in the meantime lands on the
    first one. Each worker's lifespan sets the ``model_info`` gauge, which prometheus_client
    writes to ``gauge_max_<pid>.db`` in the shared multiprocess folder: one file per ready worker.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"service exited with {process.returncode}:\n{log.read().decode()}")
        if len(list(metrics_dir.glob("gauge_max_*.db"))) >= workers:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{workers} workers were not all ready within {timeout}s")


@contextmanager
def running_service(
    port: int, env: dict[str, str] | None = None, workers: int = 1, startup_timeout: float = 240.0
) -> Iterator[str]:
    """Start ``mlops serve`` on ``port``; yield its base URL once every worker is ready; stop it."""
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory(prefix="test-metrics-") as metrics:
        # A folder the test knows (the caller's, else a fresh one: the one Feast set in this
        # process would be replaced by the service), so it can see every worker come up.
        metrics_dir = Path((env or {}).get("PROMETHEUS_MULTIPROC_DIR") or metrics)
        merged = {**os.environ, **(env or {}), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        process = subprocess.Popen(  # the log is a file, not a pipe: a full pipe would block the server
            [*SERVE, "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
            env=merged,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base_url}/health", process, log, timeout=startup_timeout)
            if workers > 1:
                wait_for_workers(metrics_dir, workers, process, log, timeout=startup_timeout)
            yield base_url
        finally:
            stop(process, timeout=15)
