"""``mlops materialize run`` against ``feast materialize``: same data, same Redis, same run.

Generates daily customer snapshots (default 100,000 customers x 60 days, about 5M source
rows after churn and late sign-ups), starts its own redis-server on a free loopback port,
and materializes the same range into two Feast projects of that Redis, one with each tool,
for a short and a long history, so that peak memory can be compared as history grows.
Each tool runs as a child process of a small wrapper that reports the child's peak RSS
(``getrusage(RUSAGE_CHILDREN)``); wall time includes each process's start-up (Feast's
import), measured separately in the same run and printed as its own row. After each pair,
2,000 sampled entity keys are read from both projects and must hold identical hashes.

    .venv/bin/python bench/materialize_throughput.py                    # ~5M rows
    .venv/bin/python bench/materialize_throughput.py --customers 20000  # quicker
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PEAK_RSS_WRAPPER = (
    "import json, resource, subprocess, sys, time; t = time.perf_counter(); "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode; "
    "print(json.dumps([code, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
)


@dataclass(frozen=True)
class Measurement:
    label: str
    history_days: int
    source_rows: int
    seconds: float
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.source_rows / self.seconds


def measured(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, float]:
    completed = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_WRAPPER, *argv], env=env, capture_output=True, text=True, timeout=timeout
    )
    code, seconds, peak_kb = json.loads(completed.stdout.strip().splitlines()[-1])
    if code != 0:
        raise SystemExit(f"{argv[:4]} failed ({code}): {completed.stderr[-2000:]}")
    return float(seconds), peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=60, help="Long history, in days of daily snapshots.")
    parser.add_argument("--short-days", type=int, default=15, help="Short history for the memory comparison.")
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=1800.0, help="Per tool run, seconds.")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="materialize-bench-"))
    os.environ["MLOPS_DATA_DIR"] = str(workdir / "data")  # before feature_repo is imported
    from stack.redis_server import LocalRedis, RedisEndpoint

    endpoint = RedisEndpoint("127.0.0.1", _free_port())
    redis_server = LocalRedis(endpoint, workdir / "redis")
    if not redis_server.start():
        raise SystemExit(f"port {endpoint.port} is taken")
    try:
        rows = run(args, workdir, endpoint)
    finally:
        redis_server.stop()
    print_table(rows, args)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(args: argparse.Namespace, workdir: Path, endpoint: "RedisEndpoint") -> list[Measurement]:  # noqa: F821
    from feast import FeatureStore

    from core.paths import ProjectPaths
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from materialization.source_stats import FileSourceStats
    from stack.feast_repo import write_repo
    from upstream.generate import GeneratorConfig, default_end, generate

    end_day = default_end()
    print(f"generating {args.customers:,} customers x {args.days} days ...", flush=True)
    data = generate(GeneratorConfig(customers=args.customers, days=args.days, end=end_day, seed=3))
    paths = ProjectPaths.from_env()
    paths.offline.mkdir(parents=True, exist_ok=True)
    data.customer_stats.to_parquet(paths.customer_stats, index=False)
    del data
    stats = FileSourceStats(str(paths.customer_stats), "event_timestamp")
    client = endpoint.client(timeout=30)
    base_env = {**os.environ, "REDIS_CONNECTION_STRING": f"127.0.0.1:{endpoint.port}"}

    startup, startup_rss = measured([sys.executable, "-c", "import feast.feature_store"], base_env, 300)
    results = [Measurement("start-up only (import feast)", 0, 0, startup, startup_rss)]
    end = datetime.now(UTC).replace(microsecond=0)
    for history in (args.short_days, args.days):
        start = end_day - timedelta(days=history - 1)
        source_rows = stats.count_between(start.timestamp(), end.timestamp())
        stores = {}
        for tool in ("feast", "ours"):
            repo = write_repo(
                workdir / f"{tool}{history}", f"{tool}{history}", connection_string=f"127.0.0.1:{endpoint.port}"
            )
            store = FeatureStore(repo_path=str(repo))
            store.apply([customer, customer_stats])
            stores[tool] = store
        span = [start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")]
        commands = {
            "feast": ([str(VENV_BIN / "feast"), "--chdir", str(stores["feast"].repo_path), "materialize", *span], {}),
            "ours": (
                [
                    sys.executable,
                    "-m",
                    "mlops",
                    "materialize",
                    "run",
                    "--backfill",
                    *span,
                    "--chunk-rows",
                    str(args.chunk_rows),
                ],
                {
                    "MLOPS_FEAST_REPO": str(stores["ours"].repo_path),
                    "MLOPS_MATERIALIZATION_DB": str(workdir / f"runs{history}.db"),
                },
            ),
        }
        order = ["feast", "ours"] if history == args.short_days else ["ours", "feast"]
        for tool in order:
            argv, extra = commands[tool]
            print(f"{tool}: {history} days, {source_rows:,} source rows ...", flush=True)
            seconds, rss = measured(argv, {**base_env, **extra}, args.timeout)
            label = (
                "peer: feast materialize"
                if tool == "feast"
                else f"ours: mlops materialize run ({args.chunk_rows:,}-row windows)"
            )
            results.append(Measurement(label, history, source_rows, seconds, rss))
        check_same(client, f"feast{history}", f"ours{history}", args.customers)
    return results


def check_same(client: "object", peer: str, ours: str, customers: int) -> None:
    """Sampled entity keys hold identical hashes in both projects (Feast's key encoding, v3)."""
    from feast.infra.key_encoding_utils import serialize_entity_key
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    rng = random.Random(5)
    ids = rng.sample(range(1, customers + 1), min(2000, customers))
    pipe = client.pipeline(transaction=False)  # type: ignore[attr-defined]
    for entity in ids:
        key = serialize_entity_key(EntityKey(join_keys=["customer_id"], entity_values=[Value(int64_val=entity)]), 3)
        pipe.hgetall(key + peer.encode())
        pipe.hgetall(key + ours.encode())
    replies = pipe.execute()
    present = sum(1 for reply in replies[0::2] if reply)
    mismatched = sum(1 for a, b in zip(replies[0::2], replies[1::2], strict=True) if a != b)
    print(f"  {peer} vs {ours}: {len(ids)} sampled keys, {present} present, {mismatched} different", flush=True)
    if mismatched:
        raise SystemExit("online values differ between the two tools")


def print_table(rows: list[Measurement], args: argparse.Namespace) -> None:
    print()
    print(f"materialize {args.customers:,} customers' daily snapshots into Redis (same data, same Redis, one run)")
    header = (
        f"| {'tool':<52} | {'history':>7} | {'source rows':>11} | {'wall s':>7} | {'rows/s':>9} | {'peak RSS MB':>11} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for m in rows:
        history = f"{m.history_days}d" if m.history_days else "-"
        rate = f"{m.rows_per_second:,.0f}" if m.source_rows else "-"
        cells = f"{m.source_rows:>11,} | {m.seconds:>7.1f} | {rate:>9} | {m.peak_rss_mb:>11,.0f}"
        print(f"| {m.label:<52} | {history:>7} | {cells} |")


if __name__ == "__main__":
    main()
