"""Rows/s of ``POST /push`` (ours) against ``feast serve``'s ``/push`` on the same push source, one run.

Builds a throwaway stack (``prediction_log_overhead.build_stack``: its own redis-server, data,
registry and promoted model under a temp folder), applies the velocity view and its push
source ``customer_txn_velocity_push`` to it, and starts ``mlops serve`` and ``feast serve
--max-requests 0`` (one worker each, recycling off: the peer's best case) on that Redis and
registry. For each batch size (rows per request) and concurrency both get the same rows, the
same values and event timestamps, each side in its own customer-id range so the two writes can
be compared, in interleaved rounds whose order rotates. rows/s = rows acknowledged / wall
time, median over rounds. Afterwards a sample of rows is read back through Feast's
``get_online_features`` for both id ranges: both sides must have written what was sent.

    .venv/bin/python bench/push_throughput.py --rows 20000 --batch 1 100 1000 --concurrency 1 8
"""

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from http_load import RoundResult, Target, run_round
from server_processes import LOOPBACK, ServerProcess, free_port, make_log_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SOURCE = "customer_txn_velocity_push"
VIEW = "customer_txn_velocity"
FEATURES = ("txn_count_10m", "txn_amount_10m", "txn_count_1h", "txn_amount_1h")
ID_BASE = {"ours": 1_000_000_000, "feast": 2_000_000_000}
"""Each side writes the same rows under its own customer ids (row k is customer base + k)."""
LABELS = {"ours": "mlops serve POST /push", "feast": "feast serve --max-requests 0 /push"}


@dataclass(frozen=True)
class Case:
    batch: int
    concurrency: int
    first_row: int
    warmup: int
    timed: int
    """Requests; request i carries rows first_row + i * batch ... (warm-up requests come first)."""


def row_values(row: int, start: datetime) -> dict[str, Any]:
    """Row ``row`` of the run (without its customer id): distinct timestamps, values derived from the index."""
    amount = round((row * 0.37) % 500, 2)
    return {
        "event_timestamp": (start + timedelta(milliseconds=row)).isoformat(timespec="microseconds"),
        "txn_count_10m": row % 7,
        "txn_amount_10m": amount,
        "txn_count_1h": row % 13 + 1,
        "txn_amount_1h": round(amount + 10.5, 2),
    }


def bodies(case: Case, side: str, start: datetime) -> list[bytes]:
    out = []
    for request in range(case.warmup + case.timed):
        rows = range(case.first_row + request * case.batch, case.first_row + (request + 1) * case.batch)
        df: dict[str, list[Any]] = {"customer_id": [ID_BASE[side] + row for row in rows]}
        for row in rows:
            for name, value in row_values(row, start).items():
                df.setdefault(name, []).append(value)
        out.append(orjson.dumps({"push_source_name": SOURCE, "df": df, "to": "online"}))
    return out


def _ok(status: int, body: bytes, index: int) -> str | None:
    return None if status == 200 else f"HTTP {status}: {body[:80]!r}"


def plan(args: argparse.Namespace) -> list[Case]:
    cases, row = [], 0
    for batch in args.batch:
        for concurrency in args.concurrency:
            timed = max(args.rounds, min(args.max_requests, math.ceil(args.rows / batch)))
            warmup = max(2, min(100, 1000 // batch))
            cases.append(Case(batch, concurrency, row, warmup, timed))
            row += (warmup + timed) * batch
    return cases


async def measure(ports: dict[str, tuple[int, int | None]], case: Case, start: datetime, rounds: int) -> dict[str, Any]:
    targets = {
        side: Target(side, LOOPBACK, port, "/push", bodies(case, side, start), _ok, pgid)
        for side, (port, pgid) in ports.items()
    }
    deadline = time.monotonic() + 600
    warm_errors = {}
    for side, target in targets.items():
        warm = await run_round(target, range(case.warmup), case.concurrency, 60.0, deadline)
        warm_errors[side] = sum(warm.errors.values())
        if warm.errors:
            print(f"  warm-up errors, {side}: {dict(warm.errors)}", file=sys.stderr)
    timed = list(range(case.warmup, case.warmup + case.timed))
    size = math.ceil(len(timed) / rounds)
    slices = [timed[at : at + size] for at in range(0, len(timed), size)]
    results: dict[str, list[RoundResult]] = {side: [] for side in targets}
    for number, indices in enumerate(slices):
        order = list(targets)[number % 2 :] + list(targets)[: number % 2]
        for side in order:
            one = await run_round(targets[side], indices, case.concurrency, 60.0, deadline)
            if one.errors:
                print(f"  errors, {side}: {dict(one.errors)}", file=sys.stderr)
            results[side].append(one)
    summary: dict[str, Any] = {}
    for side, done in results.items():
        summary[side] = statistics.median(one.ok * case.batch / one.elapsed_s for one in done if one.elapsed_s)
        summary[f"{side}_errors"] = warm_errors[side] + sum(sum(one.errors.values()) for one in done)
        summary[f"{side}_p50"] = statistics.median(ms for one in done for ms in one.latencies_ms)
    return summary


def read_back(repo: str, cases: list[Case], start: datetime, sample: int, seed: int) -> tuple[int, int]:
    """(rows equal, rows sampled): each sampled row as Feast reads it, ours vs the peer's vs what was sent."""
    from feast import FeatureStore

    rows = [
        row for case in cases for row in range(case.first_row, case.first_row + (case.warmup + case.timed) * case.batch)
    ]
    picked = random.Random(seed).sample(rows, min(sample, len(rows)))
    store = FeatureStore(repo_path=repo)
    read = {
        side: store.get_online_features(
            features=[f"{VIEW}:{name}" for name in FEATURES],
            entity_rows=[{"customer_id": base + row} for row in picked],
        ).to_dict()
        for side, base in ID_BASE.items()
    }
    equal = 0
    for position, row in enumerate(picked):
        sent = row_values(row, start)
        ours = [read["ours"][name][position] for name in FEATURES]
        peer = [read["feast"][name][position] for name in FEATURES]
        expected = [sent[name] for name in FEATURES]
        if ours == peer == expected:
            equal += 1
        elif position - equal < 3:  # the first few differences, to see which side and how
            print(f"  row {row}: sent {expected}, ours {ours}, peer {peer}", file=sys.stderr)
    return equal, len(picked)


def velocity_stack(folder: Path) -> tuple[Any, str]:
    """``build_stack`` (redis, data, registry, promoted model) plus the velocity view and its push source.

    Returns the running redis (to stop) and the Feast repository; the environment points at both.
    """
    from prediction_log_overhead import build_stack

    print("building a throwaway stack (redis, data, feast, model, velocity view) ...", file=sys.stderr)
    redis = build_stack(folder)
    try:
        from feast import FeatureStore

        from feature_repo.customer_txn_velocity import customer_txn_velocity, customer_txn_velocity_push

        repo = os.environ["MLOPS_FEAST_REPO"]
        FeatureStore(repo_path=repo).apply([customer_txn_velocity_push, customer_txn_velocity])
    except BaseException:
        redis.stop()  # type: ignore[attr-defined]
        raise
    return redis, repo


def servers(log_dir: Path, repo: str) -> dict[str, ServerProcess]:
    ours, peer = free_port(), free_port()
    runtime = log_dir / "feast-runtime"  # gunicorn's control socket
    runtime.mkdir()
    serve = [str(VENV_BIN / "mlops"), "serve", "--host", LOOPBACK, "--port", str(ours), "--log-level", "warning"]
    feast = [str(VENV_BIN / "feast"), "serve", "--host", LOOPBACK, "--port", str(peer), "--no-access-log"]
    return {
        "ours": ServerProcess("ours", serve, ours, "/ready", REPO_ROOT, log_dir),
        "feast": ServerProcess(
            "feast",
            [*feast, "--max-requests", "0"],
            peer,
            "/health",
            Path(repo),
            log_dir,
            {"XDG_RUNTIME_DIR": str(runtime)},
        ),
    }


def render(table: list[tuple[Case, dict[str, Any]]]) -> str:
    lines = [
        "| case | ours rows/s | peer rows/s | ratio ours/peer | ours p50 ms/req | peer p50 ms/req | errors ours/peer |",
        "|---|---|---|---|---|---|---|",
    ]
    for case, got in table:
        lines.append(
            f"| batch {case.batch}, c={case.concurrency} ({case.timed} req) | {got['ours']:,.0f} | {got['feast']:,.0f}"
            f" | {got['ours'] / got['feast']:.2f}x | {got['ours_p50']:.2f} | {got['feast_p50']:.2f}"
            f" | {got['ours_errors']}/{got['feast_errors']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000, help="Timed rows per side per case (capped by requests).")
    parser.add_argument("--max-requests", type=int, default=3000, help="Timed requests per side per case, at most.")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 100, 1000], help="Rows per request.")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--sample", type=int, default=500, help="Rows read back per side.")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    cases = plan(args)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    with make_log_dir() as log_name:
        redis, repo = velocity_stack(Path(log_name) / "stack")
        running: dict[str, ServerProcess] = {}
        try:
            running = servers(Path(log_name), repo)
            for server in running.values():
                server.start()
            for server in running.values():
                server.wait_ready(time.monotonic() + 180)
            ports = {side: (server.port, server.pgid) for side, server in running.items()}
            table = []
            for case in cases:
                table.append((case, asyncio.run(measure(ports, case, start, args.rounds))))
                print(f"  batch {case.batch}, c={case.concurrency} done", file=sys.stderr)
            equal, sampled = read_back(repo, cases, start, args.sample, args.seed)
        finally:
            for server in running.values():
                server.stop()
            redis.stop()
    print(render(table))
    print(f"read-back: {equal}/{sampled} rows equal (ours = peer = sent, through Feast's get_online_features)")
    print("ours:", LABELS["ours"], "| peer:", LABELS["feast"], "| one worker each, same Redis and registry")
    return 0 if equal == sampled else 1


if __name__ == "__main__":
    raise SystemExit(main())
