"""Throughput of ``POST /predict`` with 1 and 2 workers, on one Redis node and on a Redis Cluster.

Starts its own password-protected single Redis node and three-master Redis Cluster, applies
the project's Feast definitions to each (SQL registry, SQLite files in a temporary folder),
materializes the last three days of ``data/offline`` into both, and runs four ``mlops serve``
processes: {node, cluster} x {1, 2 workers}, all with the MLflow ``production`` model of this
checkout (run ``make prepare`` first). Before timing, node and cluster must answer the same
requests identically. The same seeded requests then go to every server in interleaved rounds
at each concurrency; one table is printed. The demo's Redis and service are not touched.

    .venv/bin/python bench/scale_out.py --requests 3000 --concurrency 1 4 16
"""

import argparse
import asyncio
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from http_load import RoundResult, Target, run_round
from latency_report import Row, summarise
from predict_workload import Workload, ours_validator
from server_processes import LOOPBACK, ServerProcess, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from stack.redis_cluster import LocalRedisCluster, free_cluster_ports  # noqa: E402
from stack.redis_server import LocalRedis, RedisEndpoint  # noqa: E402

NODE_CONFIG = REPO_ROOT / "deploy" / "k8s" / "overlays" / "local" / "feature_store.yaml"
CLUSTER_CONFIG = REPO_ROOT / "deploy" / "feast" / "feature_store.redis_cluster.yaml"
P99_BUDGET_MS = 10.0


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def prepare_store(folder: Path, config: Path, connection: str) -> dict[str, str]:
    """Apply and materialize into one online store; return the environment a server needs."""
    from feast import FeatureStore

    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1

    folder.mkdir(parents=True)
    (folder / "feature_store.yaml").write_text(config.read_text())
    env = {
        "REDIS_CONNECTION_STRING": connection,
        "FEAST_REGISTRY_URL": f"sqlite:///{folder / 'registry.sqlite'}",
        "MLOPS_FEAST_REPO": str(folder),
    }
    with environment(env):
        store = FeatureStore(repo_path=str(folder))
        store.apply([customer, customer_stats, fraud_detector_v1])
        now = datetime.now(UTC)
        store.materialize(start_date=now - timedelta(days=3), end_date=now)
    return env


def verify_same_answers(a: Target, b: Target, workload: Workload, count: int = 50) -> int:
    """Node and cluster must give identical answers; returns how many requests were compared."""
    with httpx.Client(timeout=10) as client:
        for body in workload.ours_bodies()[:count]:
            answers = [
                client.post(
                    f"http://{t.host}:{t.port}{t.path}", content=body, headers={"content-type": "application/json"}
                )
                for t in (a, b)
            ]
            if answers[0].status_code != 200 or answers[0].json() != answers[1].json():
                raise RuntimeError(f"{a.name} and {b.name} disagree on {body!r}")
    return count


async def measure(
    targets: dict[str, Target], workload: Workload, args: argparse.Namespace, deadline: float
) -> dict[int, dict[str, list[RoundResult]]]:
    timed = list(range(workload.timed))
    warmup = list(range(workload.timed, len(workload.customer_ids)))
    size = math.ceil(len(timed) / args.rounds)
    slices = [timed[start : start + size] for start in range(0, len(timed), size)]
    names = list(targets)
    results: dict[int, dict[str, list[RoundResult]]] = {}
    for concurrency in args.concurrency:
        results[concurrency] = {name: [] for name in names}
        for name in names:
            await run_round(targets[name], warmup, concurrency, args.timeout, deadline)
        for number, indices in enumerate(slices):
            for name in names[number % len(names) :] + names[: number % len(names)]:
                one = await run_round(targets[name], indices, concurrency, args.timeout, deadline)
                if one.sent:
                    results[concurrency][name].append(one)
            if time.monotonic() > deadline:
                return results
        print(f"  concurrency {concurrency} done", file=sys.stderr)
    return results


def redis_cpu_s(node: LocalRedis) -> float:
    """CPU seconds the Redis node has used (user + system), from its own INFO."""
    info = node.endpoint.client().info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def render(rows: list[Row]) -> str:
    head = ["server", "concurrency", "req/s", "vs node 1w", "p50 ms", "p99 ms", "max ms", "server CPU ms/req", "errors"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    baseline = {row.concurrency: row.throughput for row in rows if row.target == "node, 1 worker"}
    for row in rows:
        cpu = f"{row.server_cpu_ms:.2f}" if row.server_cpu_ms is not None else "-"
        cells = [
            row.target,
            str(row.concurrency),
            f"{row.throughput:.0f}",
            f"{row.throughput / baseline[row.concurrency]:.2f}x",
            f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}",
            f"{row.max_ms:.1f}",
            cpu,
            str(row.errors),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="Timed requests per server per concurrency.")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--time-limit", type=float, default=900.0, help="Bound on the whole run, seconds.")
    args = parser.parse_args(argv)
    if args.requests > 100_000 or max(args.concurrency) > 64 or min(args.concurrency) < 1:
        parser.error("keep it bounded: at most 100000 requests, concurrency 1..64")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.time_limit
    workload = Workload.generate(args.requests, args.warmup, seed=4321)
    servers: dict[str, ServerProcess] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-out-") as name:
        folder = Path(name)
        password = secrets.token_hex(16)
        node = LocalRedis(RedisEndpoint(LOOPBACK, free_port(), password), folder / "node")
        cluster = LocalRedisCluster(LOOPBACK, tuple(free_cluster_ports(3)), folder / "cluster", password)
        try:
            node.start()
            cluster.start()
            stores = {
                "node": prepare_store(
                    folder / "node-repo", NODE_CONFIG, f"{LOOPBACK}:{node.endpoint.port},password={password}"
                ),
                "cluster": prepare_store(folder / "cluster-repo", CLUSTER_CONFIG, cluster.connection_string),
            }
            for store, env in stores.items():
                for workers in (1, 2):
                    label = f"{store}, {workers} worker{'s' if workers > 1 else ''}"
                    port = free_port()
                    argv = [str(Path(sys.executable).parent / "mlops"), "serve", "--port", str(port)]
                    argv += ["--workers", str(workers), "--log-level", "warning"]
                    servers[label] = ServerProcess(
                        label.replace(", ", "-").replace(" ", "-"), argv, port, "/ready", REPO_ROOT, folder, env
                    )
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait_ready(min(time.monotonic() + 300, deadline))
            validate = ours_validator(workload)
            targets = {
                label: Target(label, LOOPBACK, server.port, "/predict", workload.ours_bodies(), validate, server.pgid)
                for label, server in servers.items()
            }
            compared = verify_same_answers(targets["node, 1 worker"], targets["cluster, 1 worker"], workload)
            redis_cpu_before = redis_cpu_s(node)
            results = asyncio.run(measure(targets, workload, args, deadline - 30))
            redis_cpu = redis_cpu_s(node) - redis_cpu_before
        finally:
            for server in servers.values():
                server.stop()
            cluster.stop()
            node.stop()
    rows = [
        replace(summarise(label, label, concurrency, rounds))
        for concurrency, by_target in results.items()
        for label, rounds in by_target.items()
        if rounds
    ]
    print()
    print(render(rows))
    print()
    print(f"verification: {compared} requests answered identically by node and cluster before timing")
    for label in ("node, 1 worker", "cluster, 1 worker"):
        within = [row for row in rows if row.target == label and row.p99_ms < P99_BUDGET_MS]
        best = max(within, key=lambda row: row.throughput, default=None)
        verdict = f"{best.throughput:.0f} req/s at concurrency {best.concurrency}" if best else "none measured"
        print(f"{label}: highest measured throughput with p99 < {P99_BUDGET_MS:.0f} ms: {verdict}")
    node_requests = sum(row.ok for row in rows if row.target.startswith("node"))
    per_request_us = redis_cpu / max(node_requests, 1) * 1e6
    print(
        f"single Redis node: {per_request_us:.0f} us of Redis CPU per /predict over {node_requests} requests, "
        f"so one Redis core saturates near {1e6 / per_request_us:.0f} req/s"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; closed loop, loopback, one client")
    return 1 if any(row.errors for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
