"""Running the real service as a subprocess and talking to it over HTTP."""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

SERVE = (sys.executable, "-m", "mlops", "serve")


def wait_for(
    url: str, process: subprocess.Popen[bytes], log: "tempfile._TemporaryFileWrapper[bytes]", timeout: float = 90.0
) -> None:
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


@contextmanager
def running_service(
    port: int, env: dict[str, str] | None = None, workers: int = 1, startup_timeout: float = 240.0
) -> Iterator[str]:
    """Start ``mlops serve`` on ``port``; yield its base URL; stop it (SIGTERM, then kill)."""
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base_url}/health", process, log, timeout=startup_timeout)
            yield base_url
        finally:
            stop(process, timeout=15)
