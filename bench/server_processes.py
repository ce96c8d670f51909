"""Servers under test as child processes: start on a free loopback port, wait until ready, always stop.

Each server runs in its own session (process group), so stopping it reaches gunicorn's
workers too, and a Ctrl-C in the terminal reaches only the benchmark, which then stops
the servers itself. Output goes to a log file whose tail is shown if a server fails.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    name: str
    argv: list[str]
    port: int
    ready_path: str
    cwd: Path
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    @property
    def pgid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        env = {**os.environ, **self.extra_env}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, deadline: float) -> None:
        """Poll the readiness path until it answers 200; raise with the log tail if it never does."""
        url = f"http://{LOOPBACK}:{self.port}{self.ready_path}"
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"{self.name} exited before it was ready:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2.0) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{self.name} was not ready at {url} in time:\n{self.log_tail()}")

    def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM the server's process group, then SIGKILL whatever is left after ``grace_s``."""
        process = self.process
        if process is None:
            return
        for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def serving(server: ServerProcess, startup_timeout: float) -> Iterator[str]:
    """Start ``server``, wait until it is ready, yield its base URL, and always stop it."""
    server.start()
    try:
        server.wait_ready(time.monotonic() + startup_timeout)
        yield f"http://{LOOPBACK}:{server.port}"
    finally:
        server.stop()


def make_log_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bench-predict-latency-")
