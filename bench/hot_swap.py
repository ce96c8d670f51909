"""Hot swap in numbers: rollback-to-previous-version time, and /predict latency during a swap.

Self-contained and bounded: it starts its own redis-server on a free loopback port, writes
a small data set and Feast repository under a temporary folder, trains one model, registers
it twice under its own name (two versions, same weights, so only the swap differs), and runs
``mlops serve`` with the default poll interval. Then, under a closed-loop /predict load:

1. steady state for ``--steady`` seconds;
2. ``--swaps`` alternating promote/rollback moves through the same lifecycle code as
   `mlops registry`; for each, the time from the alias move to the first answer from the
   other version, and the latencies of requests started inside the swap window (alias move
   to 0.5 s after the first new-version answer);
3. one `mlops registry rollback` run as a command, timed from its start.

    .venv/bin/python bench/hot_swap.py --swaps 4 --steady 20
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
MODEL = "hot_swap_bench"


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"{len(ordered):>6}  {pick(0.5):7.2f}  {pick(0.95):7.2f}  {pick(0.99):7.2f}  {ordered[-1]:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=4)
    parser.add_argument("--steady", type=float, default=20.0, help="Seconds of steady-state load.")
    parser.add_argument("--threads", type=int, default=2, help="Closed-loop client threads.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hot-swap-bench-"))
    from server_processes import free_port

    redis_port = free_port()
    os.environ.update(
        MLOPS_DATA_DIR=str(work / "data"),
        REDIS_CONNECTION_STRING=f"127.0.0.1:{redis_port}",
        MLFLOW_TRACKING_URI=f"sqlite:///{work / 'mlflow.db'}",
        MLOPS_FEAST_REPO=str(work / "repo"),
        MLFLOW_ENABLE_ASYNC_LOGGING="false",
    )
    from stack.redis_server import LocalRedis, RedisEndpoint

    redis_server = LocalRedis(RedisEndpoint("127.0.0.1", redis_port), work / "redis")
    redis_server.start()
    try:
        run(work, args)
    finally:
        redis_server.stop()


def prepare(work: Path) -> str:
    """Data, Feast apply + materialize, one trained model registered twice; returns the tracking URI."""
    from feast import FeatureStore

    from core.paths import ProjectPaths
    from feature_repo.customer_stats import customer_stats
    from feature_repo.entities import customer
    from feature_repo.feature_services import fraud_detector_v1
    from stack.feast_repo import write_repo
    from stack.mlflow_backend import ensure_backend
    from training.evaluation import Gate
    from training.model import TrainingConfig
    from training.run import run_training
    from upstream.generate import GeneratorConfig, generate

    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    data = generate(GeneratorConfig(customers=1500, days=12, end=end, seed=11))
    paths = ProjectPaths.from_env()
    paths.offline.mkdir(parents=True, exist_ok=True)
    data.customer_stats.to_parquet(paths.customer_stats, index=False)
    data.transactions.to_parquet(paths.transactions, index=False)
    repo = write_repo(work / "repo", "hot_swap_bench")
    store = FeatureStore(repo_path=str(repo))
    store.apply([customer, customer_stats, fraud_detector_v1])
    store.materialize(start_date=end - timedelta(days=30), end_date=datetime.now(UTC))
    uri = ensure_backend(os.environ["MLFLOW_TRACKING_URI"])
    outcome = run_training(
        store,
        data.transactions,
        feature_service="fraud_detector_v1",
        tracking_uri=uri,
        gate=Gate("auc", 0.5),
        config=TrainingConfig(num_boost_round=200),
        promote=False,
    )
    return f"runs:/{outcome.registered.run_id}/model"


def run(work: Path, args: argparse.Namespace) -> None:
    from mlflow.tracking import MlflowClient
    from server_processes import ServerProcess, free_port, serving

    from registry.lifecycle import Lifecycle
    from registry.version_labels import register
    from tests.inference.steady_load import SteadyLoad

    jitter = random.Random(7)
    model_uri = prepare(work)
    uri = os.environ["MLFLOW_TRACKING_URI"]
    lifecycle = Lifecycle(MlflowClient(tracking_uri=uri, registry_uri=uri))
    versions = [
        register(
            lifecycle, name=MODEL, label=label, metrics={}, params={}, model_uri=model_uri, tracking_uri=uri
        ).version
        for label in ("a", "b")
    ]
    lifecycle.promote(MODEL, "a", "production", reason="bench baseline")
    env = {"MLOPS_MODEL_NAME": MODEL, "MLOPS_PREDICTION_LOG_DIR": ""}  # default poll interval
    port = free_port()
    server = ServerProcess(
        "mlops-serve",
        [sys.executable, "-m", "mlops", "serve", "--port", str(port), "--log-level", "warning"],
        port,
        "/ready",
        REPO_ROOT,
        work,
        extra_env=env,
    )
    with serving(server, startup_timeout=120) as url, SteadyLoad(url, threads=args.threads) as load:
        load.wait_for_version(versions[0], since=0.0)
        time.sleep(2.0)
        steady_from = time.monotonic()
        time.sleep(args.steady)
        steady_to = time.monotonic()
        switch_s: list[float] = []
        windows: list[tuple[float, float]] = []
        for index in range(args.swaps):
            moved_at = time.monotonic()
            if index % 2 == 0:
                lifecycle.promote(MODEL, "b", "production", reason="bench swap")
                wanted = versions[1]
            else:
                lifecycle.rollback(MODEL, reason="bench rollback")
                wanted = versions[0]
            first = load.wait_for_version(wanted, since=moved_at, timeout=60)
            switch_s.append(first.finished - moved_at)
            windows.append((moved_at, first.finished + 0.5))
            time.sleep(2.0 + jitter.uniform(0, 5))  # a random poll phase for the next move
        if args.swaps % 2 == 0:  # production is on a: move to b so the command below rolls b -> a
            lifecycle.promote(MODEL, "b", "production", reason="bench reset")
            load.wait_for_version(versions[1], since=time.monotonic(), timeout=60)
        command_started = time.monotonic()
        command = subprocess.run(
            [sys.executable, "-m", "mlops", "registry", "rollback", "--name", MODEL], capture_output=True, text=True
        )
        if command.returncode != 0:
            raise RuntimeError(f"mlops registry rollback failed: {command.stderr[-2000:]}")
        command_done = time.monotonic()
        first = load.wait_for_version(versions[0], since=command_started, timeout=60)
        answers = load.snapshot()
        failures = load.failures()

    def latencies(lo: float, hi: float) -> list[float]:
        return [(a.finished - a.started) * 1000 for a in answers if lo <= a.started < hi and a.status == 200]

    during = [value for lo, hi in windows for value in latencies(lo, hi)]
    print(
        f"\nhot swap, {args.threads} client threads, default poll interval, {len(answers)} requests, "
        f"{len(failures)} failed"
    )
    print("\n/predict latency (ms, client side)   n       p50      p95      p99       max")
    print(f"steady state                     {percentiles(latencies(steady_from, steady_to))}")
    print(f"during swaps ({args.swaps} windows)          {percentiles(during)}")
    print(
        "\nalias move -> first answer from the other version (s): "
        + ", ".join(f"{value:.2f}" for value in switch_s)
        + f"  (median {statistics.median(switch_s):.2f})"
    )
    print(
        f"`mlops registry rollback` command: {command_done - command_started:.2f}s to exit, "
        f"{first.finished - command_started:.2f}s from its start to the first answer from the previous version"
    )


if __name__ == "__main__":
    main()
