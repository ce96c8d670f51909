"""``POST /get-online-features`` of ``mlops serve`` against ``feast serve`` on the same request, one run.

Both servers read the same Redis and registry (the checkout's prepared state: run
``make prepare`` first, or point ``MLOPS_*``/``REDIS_CONNECTION_STRING`` at one). The peer runs
with worker recycling off (``--max-requests 0``, its best case). For each concurrency the same
seeded sequence of one-entity requests goes to both servers in interleaved rounds; every answer
is checked after the clock stops, and before timing both must return the same feature names.
``--throwaway`` builds a private stack instead (its own redis-server, data, registry and model
under a temp folder, as bench/prediction_log_overhead.py does), so no prepared checkout is needed.

    .venv/bin/python bench/feature_lookup_latency.py --requests 1000 --concurrency 1 8 [--throwaway]
"""

import argparse
import asyncio
import math
import os
import random
import sys
import time
from pathlib import Path

import httpx
import orjson
from http_load import RoundResult, Target, run_round
from latency_report import render_table, summarise, with_ratios
from server_processes import LOOPBACK, ServerProcess, free_port, make_log_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LABELS = {"ours": "ours: mlops serve /get-online-features", "feast": "peer: feast serve --max-requests 0"}


def _servers(log_dir: Path) -> dict[str, ServerProcess]:
    ours, peer = free_port(), free_port()
    runtime = log_dir / "feast-runtime"
    runtime.mkdir()
    serve = [str(VENV_BIN / "mlops"), "serve", "--host", LOOPBACK, "--port", str(ours), "--log-level", "warning"]
    feast = [str(VENV_BIN / "feast"), "serve", "--host", LOOPBACK, "--port", str(peer), "--no-access-log"]
    feast_env = {"XDG_RUNTIME_DIR": str(runtime)}
    feast_repo = Path(os.environ.get("MLOPS_FEAST_REPO", REPO_ROOT))  # a throwaway stack's repository
    return {
        "ours": ServerProcess("ours", serve, ours, "/ready", REPO_ROOT, log_dir),
        "feast": ServerProcess(
            "feast",
            [*feast, "--max-requests", "0"],
            peer,
            "/health",
            feast_repo,
            log_dir,
            feast_env,
        ),
    }


def _bodies(count: int, seed: int, service: str) -> list[bytes]:
    ids = random.Random(seed)
    return [
        orjson.dumps({"feature_service": service, "entities": {"customer_id": [ids.randint(1, 2000)]}})
        for _ in range(count)
    ]


def _valid(status: int, body: bytes, index: int) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    return None if b'"results"' in body else "no results"


async def _measure(targets: dict[str, Target], args: argparse.Namespace) -> dict[int, dict[str, list[RoundResult]]]:
    timed = list(range(args.requests))
    warmup = list(range(args.requests, args.requests + args.warmup))
    size = math.ceil(len(timed) / args.rounds)
    slices = [timed[start : start + size] for start in range(0, len(timed), size)]
    deadline = time.monotonic() + args.time_limit
    results: dict[int, dict[str, list[RoundResult]]] = {}
    for concurrency in args.concurrency:
        results[concurrency] = {name: [] for name in targets}
        for target in targets.values():
            await run_round(target, warmup, concurrency, 10.0, deadline)
        for number, indices in enumerate(slices):
            names = list(targets)[number % 2 :] + list(targets)[: number % 2]
            for name in names:
                results[concurrency][name].append(await run_round(targets[name], indices, concurrency, 10.0, deadline))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--feature-service", default="fraud_detector_v1")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--throwaway", action="store_true", help="Build a private stack instead of the checkout's.")
    args = parser.parse_args()
    bodies = _bodies(args.requests + args.warmup, args.seed, args.feature_service)
    with make_log_dir() as log_name:
        redis = None
        if args.throwaway:
            from prediction_log_overhead import build_stack

            print("building a throwaway stack (redis, data, feast, model) ...", file=sys.stderr)
            redis = build_stack(Path(log_name) / "stack")
        servers = _servers(Path(log_name))
        try:
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait_ready(time.monotonic() + 180)
            names = {}
            for name, server in servers.items():
                url = f"http://{LOOPBACK}:{server.port}/get-online-features"
                answer = httpx.post(url, json=orjson.loads(bodies[0]), timeout=30)
                if answer.status_code != 200:
                    print(f"{name} answered {answer.status_code}: {answer.text[:300]}", file=sys.stderr)
                    return 2
                names[name] = sorted(answer.json()["metadata"]["feature_names"])
            if names["ours"] != names["feast"]:
                print(f"the servers disagree on the feature names: {names}", file=sys.stderr)
                return 2
            targets = {
                name: Target(name, LOOPBACK, s.port, "/get-online-features", bodies, _valid, s.pgid)
                for name, s in servers.items()
            }
            results = asyncio.run(_measure(targets, args))
        finally:
            for server in servers.values():
                server.stop()
            if redis is not None:
                redis.stop()  # type: ignore[attr-defined]
    rows = with_ratios(
        [summarise(n, LABELS[n], c, rounds) for c, by in results.items() for n, rounds in by.items() if rounds], "ours"
    )
    print(render_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
