"""What a shadow model costs production: /predict p50/p99 with and without a shadow, one run.

Self-contained and bounded: its own redis-server on a free loopback port, a small data set
and Feast repository under a temporary folder, one trained model registered twice under its
own name (production and the shadow candidate: same weights, so only the shadow's work
differs), and one ``mlops serve`` worker with the prediction log on. Rounds alternate
without / with a shadow (``mlops rollout start --shadow`` / ``abort`` through the same
registry code, waiting on ``/admin/model`` until the worker holds it), so slow drift of the
shared machine's load lands on both sides. Latency is client-side, on keep-alive
connections (bench/http_load.py). The table gives the medians over rounds and the ratios.

    .venv/bin/python bench/shadow_cost.py --rounds 3 --requests 1500 --concurrency 1 4
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
MODEL = "shadow_cost_bench"
TOKEN = "shadow-bench-token"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _wait_for_shadow(url: str, version: str | None, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{url}/admin/model", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        if body["rollout"]["shadow_version"] == version:
            return
        time.sleep(0.1)
    raise TimeoutError(f"the service did not take shadow {version} within {timeout}s")


def run(work: Path, args: argparse.Namespace) -> None:
    import pandas as pd
    from hot_swap import prepare
    from http_load import Target, run_round
    from mlflow.tracking import MlflowClient
    from predict_workload import Workload, ours_validator
    from server_processes import ServerProcess, free_port, serving

    from registry.lifecycle import Lifecycle
    from registry.rollout import Rollouts
    from registry.version_labels import register

    model_uri = prepare(work)
    uri = os.environ["MLFLOW_TRACKING_URI"]
    lifecycle = Lifecycle(MlflowClient(tracking_uri=uri, registry_uri=uri))
    versions = [
        register(lifecycle, name=MODEL, label=label, metrics={}, params={}, model_uri=model_uri, tracking_uri=uri)
        for label in ("prod", "shadow")
    ]
    lifecycle.promote(MODEL, "prod", "production", reason="bench baseline")
    rollouts, shadow_version = Rollouts(lifecycle), versions[1].version
    env = {
        "MLOPS_MODEL_NAME": MODEL,
        "MLOPS_MODEL_POLL_INTERVAL_SECONDS": "0.5",
        "MLOPS_ADMIN_TOKEN": TOKEN,
        "MLOPS_PREDICTION_LOG_DIR": str(work / "predictions"),
    }
    port = free_port()
    argv = [sys.executable, "-m", "mlops", "serve", "--port", str(port), "--log-level", "warning"]
    server = ServerProcess("mlops-serve", argv, port, "/ready", REPO_ROOT, work, extra_env=env)
    workload = Workload.generate(timed=args.requests, warmup=200, seed=3)
    target = Target("ours", "127.0.0.1", port, "/predict", workload.ours_bodies(), ours_validator(workload))
    timed, warm = list(range(args.requests)), list(range(args.requests, args.requests + 200))
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    errors = 0
    with serving(server, startup_timeout=180) as url:
        loop = asyncio.new_event_loop()
        loop.run_until_complete(run_round(target, warm, 1, 10.0, time.monotonic() + 60))
        for _ in range(args.rounds):
            for condition in ("no shadow", "shadow"):
                if condition == "shadow":
                    rollouts.start(MODEL, shadow_version, canary_percent=None, shadow=True, reason="bench")
                    _wait_for_shadow(url, shadow_version)
                for concurrency in args.concurrency:
                    result = loop.run_until_complete(
                        run_round(target, timed, concurrency, 10.0, time.monotonic() + 120)
                    )
                    errors += sum(result.errors.values())
                    latencies = result.latencies_ms
                    results.setdefault((condition, concurrency), []).append(
                        (_percentile(latencies, 0.5), _percentile(latencies, 0.99))
                    )
                if condition == "shadow":
                    rollouts.abort(MODEL, reason="bench")
                    _wait_for_shadow(url, None)
        loop.close()
    # Counted from the prediction log (complete after shutdown), not /metrics: a one-worker
    # `mlops serve` exposes empty counters (see the note in bench/README.md).
    log = pd.concat([pd.read_parquet(path) for path in (work / "predictions").glob("*.parquet")])
    answered, shadow_scored = len(log), int(log["shadow_score"].notna().sum())
    dropped = int((log["shadow_error"] == "dropped").sum())
    print(f"\n/predict, 1 worker, {args.requests} requests per round, {args.rounds} rounds per cell (medians)")
    print(f"{'concurrency':>11}  {'condition':<10} {'p50 ms':>8} {'p99 ms':>8} {'p50 ratio':>10} {'p99 ratio':>10}")
    for concurrency in args.concurrency:
        base = [statistics.median(v) for v in zip(*results[("no shadow", concurrency)], strict=True)]
        for condition in ("no shadow", "shadow"):
            p50, p99 = (statistics.median(v) for v in zip(*results[(condition, concurrency)], strict=True))
            print(
                f"{concurrency:>11}  {condition:<10} {p50:8.3f} {p99:8.3f} {p50 / base[0]:10.2f} {p99 / base[1]:10.2f}"
            )
    print(
        f"failed requests {errors}; answered {answered:.0f}, scored by the shadow {shadow_scored:.0f}, "
        f"skipped by the shadow (queue full) {dropped:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1500, help="Timed requests per round and concurrency.")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shadow-cost-bench-"))
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


if __name__ == "__main__":
    main()
