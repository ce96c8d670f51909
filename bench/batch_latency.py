"""``POST /predict/batch`` (or ``/predict``) against Feast's feature server, with an optional baseline.

Starts ``mlops serve`` from this checkout (prediction log on, as deployed), ``feast serve
--max-requests 0`` on the same Feast repository and Redis (the peer: features only, no model),
and, with ``--baseline-bin``, a second ``mlops serve`` from another checkout's venv (e.g. main)
so before and after are measured in one run. Sends the same seeded batches to each, in
interleaved rounds whose order rotates; reports client-side p50 / p99 / max, and the server's
CPU per call and per item from ``/proc``. Needs the local state of bench/README.md
(materialized Redis, applied registry, a production model). Loopback only; stops what it starts.

    .venv/bin/python bench/batch_latency.py --batch 100 --calls 3000 [--baseline-bin /work/main/.venv/bin/mlops]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson
from http_load import RoundResult, Target, Validator, run_round
from predict_workload import Workload
from server_processes import LOOPBACK, ServerProcess, free_port

FEATURE_SERVICE = "fraud_detector_v1"
REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def ours_validator(batches: list[list[int]], single: bool) -> Validator:
    """200, one probability in [0, 1] per item, for the customers asked about, in order."""

    def validate(status: int, body: bytes, index: int) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        answer = orjson.loads(body)
        items = [answer] if single else answer.get("predictions", [])
        if [item.get("customer_id") for item in items] != batches[index]:
            return "answers for other customers"
        if not all(0.0 <= item.get("probability", -1.0) <= 1.0 for item in items):
            return "a probability outside [0, 1]"
        return None

    return validate


def peer_validator(batches: list[list[int]]) -> Validator:
    def validate(status: int, body: bytes, index: int) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        answer = orjson.loads(body)
        names = answer["metadata"]["feature_names"]
        if answer["results"][names.index("customer_id")]["values"] != batches[index]:
            return "answers for other customers"
        return None

    return validate


def make_batches(calls: int, warmup: int, size: int) -> tuple[list[list[int]], list[list[float]]]:
    workload = Workload.generate((calls + warmup) * size, 0, seed=1234)
    ids, amounts = workload.customer_ids, workload.amounts
    count = calls + warmup
    return (
        [ids[i * size : (i + 1) * size] for i in range(count)],
        [amounts[i * size : (i + 1) * size] for i in range(count)],
    )


def ours_bodies(batches: list[list[int]], amounts: list[list[float]], single: bool) -> list[bytes]:
    bodies = []
    for ids, values in zip(batches, amounts, strict=True):
        items = [{"customer_id": c, "amount": a} for c, a in zip(ids, values, strict=True)]
        bodies.append(orjson.dumps(items[0] if single else {"items": items}))
    return bodies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(targets: dict[str, Target], calls: int, warmup: int, rounds: int) -> dict[str, list[RoundResult]]:
    deadline = time.monotonic() + 900
    for target in targets.values():
        await run_round(target, range(calls, calls + warmup), 1, 10.0, deadline)
    size = -(-calls // rounds)
    names = list(targets)
    results: dict[str, list[RoundResult]] = {name: [] for name in names}
    for number in range(rounds):
        indices = range(number * size, min(calls, (number + 1) * size))
        for name in names[number % len(names) :] + names[: number % len(names)]:
            results[name].append(await run_round(targets[name], indices, 1, 10.0, deadline))
    return results


def report(results: dict[str, list[RoundResult]], size: int) -> list[str]:
    lines = [
        f"| server (batch of {size}, c=1) | calls ok | errors | p50 ms | p99 ms | max ms | calls > 50 ms"
        " | srv CPU ms/call | srv CPU us/item |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    reasons = []
    for name, rounds in results.items():
        latencies = [ms for one in rounds for ms in one.latencies_ms]
        errors = sum(sum(one.errors.values()) for one in rounds)
        reasons += [f"errors {name}: {reason} x{count}" for one in rounds for reason, count in one.errors.items()]
        if not latencies:
            lines.append(f"| {name} | 0 | {errors} | | | | | | |")
            continue
        p50 = statistics.median(statistics.median(one.latencies_ms) for one in rounds if one.latencies_ms)
        cpu = sum(one.server_cpu_s or 0.0 for one in rounds) / max(1, len(latencies))
        slow = sum(1 for ms in latencies if ms > 50)
        lines.append(
            f"| {name} | {len(latencies)} | {errors} | {p50:.2f} | {percentile(latencies, 0.99):.2f} "
            f"| {max(latencies):.1f} | {slow} | {cpu * 1e3:.2f} | {cpu * 1e6 / size:.1f} |"
        )
    return lines + sorted(set(reasons))[:10]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100, help="items per call; 1 uses POST /predict")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-bin", type=Path, help="another checkout's mlops executable")
    parser.add_argument("--no-peer", action="store_true", help="skip feast serve")
    args = parser.parse_args()
    single = args.batch == 1
    batches, amounts = make_batches(args.calls, args.warmup, args.batch)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as name:
        folder = Path(name)
        specs: dict[str, tuple[list[str], str, dict[str, str]]] = {}
        serve = ["serve", "--host", LOOPBACK, "--log-level", "warning"]
        specs["ours (this checkout)"] = ([str(VENV_BIN / "mlops"), *serve], "/ready", {})
        if args.baseline_bin:
            specs[f"baseline ({args.baseline_bin.parent.parent.parent.name})"] = (
                [str(args.baseline_bin), *serve],
                "/ready",
                {},
            )
        if not args.no_peer:
            runtime = folder / "feast-runtime"
            runtime.mkdir()
            from core.paths import feast_repo_path

            feast = [
                str(VENV_BIN / "feast"),
                "-c",
                str(feast_repo_path()),
                "serve",
                "--host",
                LOOPBACK,
                "--no-access-log",
                "--max-requests",
                "0",
            ]
            specs["peer: feast serve --max-requests 0"] = (feast, "/health", {"XDG_RUNTIME_DIR": str(runtime)})
        servers: dict[str, ServerProcess] = {}
        try:
            for index, (label, (argv, ready, env)) in enumerate(specs.items()):
                port = free_port()
                log_env = {"MLOPS_PREDICTION_LOG_DIR": str(folder / f"predictions-{index}"), **env}
                servers[label] = ServerProcess(
                    f"server-{index}", [*argv, "--port", str(port)], port, ready, REPO_ROOT, folder, log_env
                )
                servers[label].start()
            for server in servers.values():
                server.wait_ready(time.monotonic() + 240)
            bodies = ours_bodies(batches, amounts, single)
            peer = [orjson.dumps({"feature_service": FEATURE_SERVICE, "entities": {"customer_id": b}}) for b in batches]
            targets = {}
            for label, server in servers.items():
                if label.startswith("peer"):
                    targets[label] = Target(label, LOOPBACK, server.port, "/get-online-features", peer,
                                            peer_validator(batches), server.pgid)  # fmt: skip
                else:
                    path = "/predict" if single else "/predict/batch"
                    targets[label] = Target(label, LOOPBACK, server.port, path, bodies,
                                            ours_validator(batches, single), server.pgid)  # fmt: skip
            results = asyncio.run(measure(targets, args.calls, args.warmup, args.rounds))
        finally:
            for server in servers.values():
                server.stop()
    print("\n".join(report(results, args.batch)))
    with open("/proc/loadavg") as load:
        print(f"p50: median of {args.rounds} round medians; p99/max: all calls pooled; load {load.read().split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
