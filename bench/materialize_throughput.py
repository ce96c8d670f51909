"""``mlops materialize run`` against ``feast materialize``: same data, same Redis, same run.

Generates daily customer snapshots (default 100,000 customers x 60 days, about 5M source
rows after churn and late sign-ups), starts its own redis-server on a free loopback port,
and materializes the same range into fresh Feast projects of that Redis, one per tool and
run, for a short and a long history, so that peak memory can be compared as history grows:
``feast materialize`` (the peer), ``mlops materialize run`` with its default direct engine
and, with ``--windowed``, with ``--engine feast`` (Feast per window). Each tool runs as a
child process of a small wrapper that reports the child's peak RSS
(``getrusage(RUSAGE_CHILDREN)``); wall time includes each process's start-up (Feast's
import), measured separately in the same run and printed as its own row. After each round,
every entity key is read from each project and must hold a hash identical to Feast's
(all fields, the ``_ts`` timestamp included). The table shows medians of ``--repeats``.

    .venv/bin/python bench/materialize_throughput.py                    # ~5M rows
    .venv/bin/python bench/materialize_throughput.py --customers 20000  # quicker
"""

import argparse
import json
import os
import statistics
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
    parser.add_argument("--repeats", type=int, default=1, help="Runs per tool and history; the table shows medians.")
    parser.add_argument("--windowed", action="store_true", help="Also run the windowed engine (--engine feast).")
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


TOOLS = {
    "feast": "peer: feast materialize",
    "direct": "ours: mlops materialize run (direct engine)",
    "windowed": "ours: mlops materialize run --engine feast",
}


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
    tools = ["feast", "direct", *(["windowed"] if args.windowed else [])]
    for history in dict.fromkeys((args.short_days, args.days)):
        start = end_day - timedelta(days=history - 1)
        source_rows = stats.count_between(start.timestamp(), end.timestamp())
        span = [start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")]
        timings: dict[str, list[tuple[float, float]]] = {tool: [] for tool in tools}
        for repeat in range(args.repeats):
            order = tools if repeat % 2 == 0 else tools[::-1]
            for tool in order:
                project = f"{tool}{history}r{repeat}"  # a fresh project each time: nothing to skip in Redis
                repo = write_repo(workdir / project, project, connection_string=f"127.0.0.1:{endpoint.port}")
                FeatureStore(repo_path=str(repo)).apply([customer, customer_stats])
                argv, extra = _command(tool, repo, span, args.chunk_rows, workdir / f"{project}.db")
                print(f"{tool}: {history} days, {source_rows:,} source rows (repeat {repeat + 1}) ...", flush=True)
                timings[tool].append(measured(argv, {**base_env, **extra}, args.timeout))
            for tool in tools[1:]:
                check_same(client, f"feast{history}r{repeat}", f"{tool}{history}r{repeat}", args.customers)
        for tool in tools:
            seconds = statistics.median(t for t, _ in timings[tool])
            rss = statistics.median(r for _, r in timings[tool])
            results.append(Measurement(TOOLS[tool], history, source_rows, seconds, rss))
    return results


def _command(tool: str, repo: Path, span: list[str], chunk_rows: int, db: Path) -> tuple[list[str], dict[str, str]]:
    if tool == "feast":
        return [str(VENV_BIN / "feast"), "--chdir", str(repo), "materialize", *span], {}
    engine = "direct" if tool == "direct" else "feast"
    argv = [sys.executable, "-m", "mlops", "materialize", "run", "--backfill", *span]
    argv += ["--chunk-rows", str(chunk_rows), "--engine", engine]
    return argv, {"MLOPS_FEAST_REPO": str(repo), "MLOPS_MATERIALIZATION_DB": str(db)}


def check_same(client: "object", peer: str, ours: str, customers: int) -> None:
    """Every entity key (ids 1..customers) holds a byte-identical hash, all fields, in both projects."""
    from feast.infra.key_encoding_utils import serialize_entity_key
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    present = mismatched = 0
    for first in range(1, customers + 1, 10_000):
        pipe = client.pipeline(transaction=False)  # type: ignore[attr-defined]
        for entity in range(first, min(first + 10_000, customers + 1)):
            key = serialize_entity_key(EntityKey(join_keys=["customer_id"], entity_values=[Value(int64_val=entity)]), 3)
            pipe.hgetall(key + peer.encode())
            pipe.hgetall(key + ours.encode())
        replies = pipe.execute()
        present += sum(1 for reply in replies[0::2] if reply)
        mismatched += sum(1 for a, b in zip(replies[0::2], replies[1::2], strict=True) if a != b)
    print(f"  {peer} vs {ours}: all {customers:,} keys, {present:,} present, {mismatched} different", flush=True)
    if mismatched or not present:
        raise SystemExit("online values differ between the two tools")


def print_table(rows: list[Measurement], args: argparse.Namespace) -> None:
    print()
    print(
        f"materialize {args.customers:,} customers' daily snapshots into Redis (same data, same Redis, one run;"
        f" medians of {args.repeats})"
    )
    header = (
        f"| {'tool':<46} | {'history':>7} | {'source rows':>11} | {'wall s':>7} | {'rows/s':>9} | {'peak RSS MB':>11} "
        f"| {'x peer rows/s':>13} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    peers = {m.history_days: m for m in rows if m.label == TOOLS["feast"]}
    for m in rows:
        history = f"{m.history_days}d" if m.history_days else "-"
        rate = f"{m.rows_per_second:,.0f}" if m.source_rows else "-"
        peer = peers.get(m.history_days)
        ratio = f"{m.rows_per_second / peer.rows_per_second:.2f}x" if peer and m.source_rows else "-"
        cells = f"{m.source_rows:>11,} | {m.seconds:>7.1f} | {rate:>9} | {m.peak_rss_mb:>11,.0f} | {ratio:>13}"
        print(f"| {m.label:<46} | {history:>7} | {cells} |")


if __name__ == "__main__":
    main()
