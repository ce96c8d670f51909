"""Latency and throughput of ``POST /predict`` against Feast's own feature server, in one run.

Starts ``mlops serve`` (ours: online features + LightGBM score) and ``feast serve`` twice (the
peer: online features only), once with gunicorn's default worker recycling (every ~1000
requests) and once with it disabled (``--max-requests 0``). For each concurrency it sends the
same seeded request sequence to every server in interleaved rounds, prints a table and stops
the servers. See bench/README.md for how to read it.

    .venv/bin/python bench/predict_latency.py --requests 2000 --concurrency 1 16
"""

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from cpu_accounting import machine_busy_s, process_group_cpu_s
from http_load import RoundResult, Target, run_round
from latency_report import Row, render_table, row_json, summarise, with_ratios
from predict_workload import Workload, ours_validator, peer_validator, verify
from server_processes import LOOPBACK, ServerProcess, free_port, make_log_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
OURS = "ours"
PEER_DEFAULT = "feast-default"
PEER_NO_RECYCLE = "feast-no-recycle"
HEADLINE_PEER = PEER_NO_RECYCLE
LABELS = {
    OURS: "ours: mlops serve POST /predict",
    PEER_DEFAULT: "peer: feast serve (default --max-requests 1000)",
    PEER_NO_RECYCLE: "peer: feast serve --max-requests 0",
}
VERIFY_REQUESTS = 20


def build_servers(log_dir: Path) -> dict[str, ServerProcess]:
    for tool in ("mlops", "feast"):
        if not (VENV_BIN / tool).exists():
            raise RuntimeError(f"{VENV_BIN / tool} not found: run this with the project's .venv/bin/python")
    servers = {}
    ours_port = free_port()
    servers[OURS] = ServerProcess(
        OURS,
        [str(VENV_BIN / "mlops"), "serve", "--host", LOOPBACK, "--port", str(ours_port), "--log-level", "warning"],
        ours_port,
        "/ready",
        REPO_ROOT,
        log_dir,
    )
    for name, extra in ((PEER_DEFAULT, []), (PEER_NO_RECYCLE, ["--max-requests", "0"])):
        port = free_port()
        runtime = log_dir / f"{name}-runtime"  # gunicorn's control socket, one per server
        runtime.mkdir()
        argv = [str(VENV_BIN / "feast"), "serve", "--host", LOOPBACK, "--port", str(port), "--no-access-log", *extra]
        servers[name] = ServerProcess(
            name, argv, port, "/health", REPO_ROOT, log_dir, {"XDG_RUNTIME_DIR": str(runtime)}
        )
    return servers


def build_targets(servers: dict[str, ServerProcess], workload: Workload, feature_service: str) -> dict[str, Target]:
    peer_bodies = workload.peer_bodies(feature_service)
    targets = {
        OURS: Target(OURS, LOOPBACK, servers[OURS].port, "/predict", workload.ours_bodies(), ours_validator(workload))
    }
    for name in (PEER_DEFAULT, PEER_NO_RECYCLE):
        targets[name] = Target(
            name, LOOPBACK, servers[name].port, "/get-online-features", peer_bodies, peer_validator(workload)
        )
    return {name: replace(target, pgid=servers[name].pgid) for name, target in targets.items()}


async def measure(
    targets: dict[str, Target], workload: Workload, args: argparse.Namespace, deadline: float
) -> dict[int, dict[str, list[RoundResult]]]:
    """Warm up each target, then interleave: every round sends the same slice to each target in rotating order."""
    timed = list(range(workload.timed))
    warmup = list(range(workload.timed, len(workload.customer_ids)))
    size = math.ceil(len(timed) / args.rounds)
    slices = [timed[start : start + size] for start in range(0, len(timed), size)]
    names = list(targets)
    results: dict[int, dict[str, list[RoundResult]]] = {}
    for concurrency in args.concurrency:
        results[concurrency] = {name: [] for name in names}
        for name in names:
            if warmup:
                await run_round(targets[name], warmup, concurrency, args.timeout, deadline, args.client)
        for number, indices in enumerate(slices):
            order = names[number % len(names) :] + names[: number % len(names)]
            for name in order:
                one = await run_round(targets[name], indices, concurrency, args.timeout, deadline, args.client)
                if one.sent:
                    results[concurrency][name].append(one)
            progress = ", ".join(f"{n} {results[concurrency][n][-1].ok}" for n in names if results[concurrency][n])
            print(
                f"  concurrency {concurrency}: round {number + 1}/{len(slices)} done ({progress} ok)", file=sys.stderr
            )
            if time.monotonic() > deadline:
                print("  time limit reached; reporting what was measured", file=sys.stderr)
                return results
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="Timed requests per target per concurrency.")
    parser.add_argument("--warmup", type=int, default=200, help="Untimed requests per target per concurrency.")
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved rounds the timed requests are split into.")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16], help="In-flight requests per target.")
    parser.add_argument("--seed", type=int, default=1234, help="Seed of the customer ids and amounts.")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw", help="Load client (see http_load.py).")
    parser.add_argument("--feature-service", default="fraud_detector_v1", help="Feature service the peer serves.")
    parser.add_argument("--timeout", type=float, default=10.0, help="Per-request timeout, seconds.")
    parser.add_argument("--startup-timeout", type=float, default=180.0, help="Seconds for the servers to get ready.")
    parser.add_argument("--time-limit", type=float, default=900.0, help="Bound on the whole run, seconds.")
    parser.add_argument("--json", metavar="PATH", help="Also write the results as JSON to PATH ('-': stdout).")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.rounds < 1 or min(args.concurrency) < 1:
        parser.error("--requests, --rounds and --concurrency must be positive, --warmup not negative")
    if args.requests > 200_000 or max(args.concurrency) > 256:
        parser.error("keep it bounded: at most 200000 requests and concurrency 256")
    args.rounds = min(args.rounds, args.requests)
    return args


class BackgroundLoad:
    """How many CPUs were busy, on average, with work not charged to the benchmark or its servers."""

    def __init__(self, server_groups: list[int | None]) -> None:
        self._groups = server_groups
        self.cpus: float | None = None

    def _ours_s(self) -> float | None:
        servers = [process_group_cpu_s(group) for group in self._groups]
        if any(cpu is None for cpu in servers):
            return None
        return time.process_time() + sum(cpu for cpu in servers if cpu is not None)

    def __enter__(self) -> "BackgroundLoad":
        self._start = (time.monotonic(), machine_busy_s(), self._ours_s())
        return self

    def __exit__(self, *exc_info: object) -> None:
        started, busy, ours = self._start
        busy_now, ours_now = machine_busy_s(), self._ours_s()
        if None in (busy, ours, busy_now, ours_now):
            return
        assert busy is not None and ours is not None and busy_now is not None and ours_now is not None
        self.cpus = max(0.0, ((busy_now - busy) - (ours_now - ours)) / (time.monotonic() - started))


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def report(
    rows: list[Row],
    args: argparse.Namespace,
    verification: dict[str, Any],
    load: tuple[float, ...],
    background_cpus: float | None,
    out: TextIO,
) -> None:
    def say(text: str = "") -> None:
        print(text, file=out)

    say()
    say(render_table(rows))
    say()
    say(
        f"ratios: ours/peer on each peer row; the headline ratio is against '{LABELS[HEADLINE_PEER]}' "
        "(recycling off, the peer's best case). p50 and req/s: median over rounds; p99/max: all requests pooled."
    )
    for row in rows:
        if row.target == HEADLINE_PEER and row.p50_ratio is not None and row.throughput_ratio is not None:
            say(
                f"headline c={row.concurrency}: ours p50 is {row.p50_ratio:.2f}x the peer's, "
                f"ours throughput is {row.throughput_ratio:.2f}x the peer's"
            )
    statuses = ", ".join(f"{status} {count}" for status, count in verification["ours_feature_statuses"].items())
    say(
        f"verification ({verification['requests']} requests before timing): {verification['values_compared']} "
        f"feature values compared with the peer, {verification['mismatched']} mismatched; ours' statuses: {statuses}"
    )
    for row in rows:
        for reason, count in list(row.error_reasons.items())[:3]:
            say(f"errors {row.target} c={row.concurrency}: {count} x {reason}")
    client_cpu = ", ".join(f"{row.target} c={row.concurrency} {row.client_cpu_us:.0f}" for row in rows)
    say(f"client CPU us/request ({args.client} client): {client_cpu}")
    say(f"load average before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if background_cpus is not None:
        say(
            f"CPU not charged to the benchmark or its servers (Redis, kernel network work, other users): "
            f"{background_cpus:.2f} of {os.cpu_count()} CPUs on average while measuring"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    deadline = started + args.time_limit
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    workload = Workload.generate(args.requests, args.warmup, args.seed)
    load_before = os.getloadavg()
    servers: dict[str, ServerProcess] = {}
    with make_log_dir() as log_name:
        try:
            servers = build_servers(Path(log_name))
            print(f"starting {', '.join(servers)} (logs in {log_name})", file=sys.stderr)
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait_ready(min(time.monotonic() + args.startup_timeout, deadline))
            print(f"ready after {time.monotonic() - started:.0f} s", file=sys.stderr)
            targets = build_targets(servers, workload, args.feature_service)
            peers = [targets[PEER_DEFAULT], targets[PEER_NO_RECYCLE]]
            verification = verify(targets[OURS], peers, workload, VERIFY_REQUESTS, args.timeout)
            shutdown_reserve = 30.0
            groups = [server.pgid for server in servers.values()]
            with BackgroundLoad(groups) as background, asyncio.Runner(loop_factory=_new_loop) as runner:
                results = runner.run(measure(targets, workload, args, deadline - shutdown_reserve))
            crashed = [name for name, server in servers.items() if not server.running()]
        except (RuntimeError, TimeoutError) as error:
            print(f"benchmark aborted: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted; stopping the servers", file=sys.stderr)
            return 130
        finally:
            for server in servers.values():
                server.stop()
    rows = with_ratios(
        [
            summarise(name, LABELS[name], concurrency, rounds)
            for concurrency, by_target in results.items()
            for name, rounds in by_target.items()
            if rounds
        ],
        OURS,
    )
    out = sys.stderr if args.json == "-" else sys.stdout  # keep stdout pure JSON when asked for it
    report(rows, args, verification, load_before, background.cpus, out)
    if crashed:
        print(f"servers that exited during the run: {', '.join(crashed)}", file=out)
    if args.json:
        document = {
            "command": [Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)],
            "config": {key: value for key, value in vars(args).items() if key != "json"},
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_before": load_before,
                "background_cpus_while_measuring": background.cpus,
            },
            "headline_peer": HEADLINE_PEER,
            "verification": verification,
            "rows": [row_json(row, results[row.concurrency][row.target]) for row in rows],
            "elapsed_s": time.monotonic() - started,
        }
        text = json.dumps(document, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    ours_errors = sum(row.errors for row in rows if row.target == OURS)
    return 1 if ours_errors or crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
