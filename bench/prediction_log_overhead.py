"""Overhead of the prediction log on ``POST /predict``: the same service with logging on and off.

Builds a throwaway stack of its own (a redis-server on a free port, an MLflow SQLite backend,
a small generated data set, Feast apply + materialize, a trained and promoted model, all under
a temp folder), starts two ``mlops serve`` processes (one worker each) that differ only in
``MLOPS_PREDICTION_LOG_DIR``, and sends the same seeded requests to both in interleaved rounds
(the order rotates each round, so background load hits both alike). Prints p50/p99 per side
and the ratio. Loopback only; stops everything it started.

    .venv/bin/python bench/prediction_log_overhead.py [--requests 6000 --rounds 6 --concurrency 1 8]
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from http_load import RoundResult, Target, run_round
from predict_workload import Workload, ours_validator
from server_processes import LOOPBACK, ServerProcess, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def build_stack(folder: Path) -> object:
    """Data, Feast, Redis and a promoted model under ``folder``; returns the running redis (to stop)."""
    redis_port = free_port()
    os.environ.update(
        MLOPS_DATA_DIR=str(folder / "data"),
        REDIS_CONNECTION_STRING=f"{LOOPBACK}:{redis_port}",
        MLFLOW_TRACKING_URI=f"sqlite:///{folder / 'mlflow.db'}",
        MLOPS_FEAST_REPO=str(folder / "repo"),
        MLFLOW_ENABLE_ASYNC_LOGGING="false",
    )
    from feast import FeatureStore

    from core.paths import ProjectPaths
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1
    from stack.feast_repo import write_repo
    from stack.mlflow_backend import ensure_backend
    from stack.redis_server import LocalRedis, RedisEndpoint
    from training.evaluation import Gate
    from training.model import TrainingConfig
    from training.run import run_training
    from upstream.generate import GeneratorConfig, generate

    redis = LocalRedis(RedisEndpoint(LOOPBACK, redis_port), folder / "redis")
    redis.start()
    try:
        end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        data = generate(GeneratorConfig(customers=2000, days=10, end=end, seed=5))
        paths = ProjectPaths.from_env()
        paths.offline.mkdir(parents=True, exist_ok=True)
        data.customer_stats.to_parquet(paths.customer_stats, index=False)
        data.transactions.to_parquet(paths.transactions, index=False)
        repo = write_repo(folder / "repo", "log_bench")
        store = FeatureStore(repo_path=str(repo))
        store.apply([customer, customer_stats, fraud_detector_v1])
        store.materialize(start_date=end - timedelta(days=30), end_date=datetime.now(UTC))
        run_training(
            store, data.transactions, feature_service="fraud_detector_v1", tracking_uri=ensure_backend(),
            gate=Gate("auc", 0.5), config=TrainingConfig(num_boost_round=60), promote=True,
        )  # fmt: skip
    except BaseException:
        redis.stop()  # a failed build must not leave its redis-server behind
        raise
    return redis


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(
    targets: dict[str, Target], workload: Workload, rounds: int, concurrency: int
) -> dict[str, list[RoundResult]]:
    timed = list(range(workload.timed))
    warmup = list(range(workload.timed, len(workload.customer_ids)))
    size = -(-len(timed) // rounds)
    results: dict[str, list[RoundResult]] = {name: [] for name in targets}
    names = list(targets)
    deadline = time.monotonic() + 600
    for name in names:
        await run_round(targets[name], warmup, concurrency, 10.0, deadline)
    for number in range(rounds):
        indices = timed[number * size : (number + 1) * size]
        for name in names[number % 2 :] + names[: number % 2]:
            results[name].append(await run_round(targets[name], indices, concurrency, 10.0, deadline))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-log-bench-") as name:
        folder = Path(name)
        print("building a throwaway stack (redis, data, feast, model) ...", file=sys.stderr)
        redis = build_stack(folder)
        servers: dict[str, ServerProcess] = {}
        try:
            for label, log_dir in (("logging on", str(folder / "predictions")), ("logging off", "")):
                port = free_port()
                argv = [
                    str(VENV_BIN / "mlops"),
                    "serve",
                    "--host",
                    LOOPBACK,
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ]
                servers[label] = ServerProcess(
                    label, argv, port, "/ready", REPO_ROOT, folder, {"MLOPS_PREDICTION_LOG_DIR": log_dir}
                )
                servers[label].start()
            for server in servers.values():
                server.wait_ready(time.monotonic() + 180)
            workload = Workload.generate(args.requests, 500, seed=11)
            bodies = workload.ours_bodies()
            targets = {
                label: Target(label, LOOPBACK, server.port, "/predict", bodies, ours_validator(workload), server.pgid)
                for label, server in servers.items()
            }
            lines = ["| concurrency | server | requests ok | errors | p50 ms | p99 ms |", "|---|---|---|---|---|---|"]
            ratios = []
            for concurrency in args.concurrency:
                results = asyncio.run(measure(targets, workload, args.rounds, concurrency))
                summary = {}
                for label, rounds in results.items():
                    latencies = [ms for one in rounds for ms in one.latencies_ms]
                    errors = sum(sum(one.errors.values()) for one in rounds)
                    p50 = statistics.median(statistics.median(one.latencies_ms) for one in rounds if one.latencies_ms)
                    summary[label] = (p50, percentile(latencies, 0.99))
                    p99 = summary[label][1]
                    lines.append(f"| {concurrency} | {label} | {len(latencies)} | {errors} | {p50:.3f} | {p99:.3f} |")
                on, off = summary["logging on"], summary["logging off"]
                ratios.append(f"c={concurrency}: p50 {on[0] / off[0] - 1:+.1%}, p99 {on[1] / off[1] - 1:+.1%}")
            logged = sum(1 for _ in (folder / "predictions").glob("*.parquet*"))
        finally:
            for server in servers.values():
                server.stop()
            redis.stop()  # type: ignore[attr-defined]
        import pandas as pd

        files = sorted((folder / "predictions").glob("*.parquet"))
        rows = sum(len(pd.read_parquet(path)) for path in files)
        print("\n".join(lines))
        print("overhead of logging (on vs off): " + "; ".join(ratios))
        print(f"prediction log after shutdown: {rows:,} rows in {len(files)} file(s) ({logged} while running)")
        print("p50: median of per-round medians; p99: all requests pooled.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
