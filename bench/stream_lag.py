"""Event-to-online lag of ``mlops stream run`` under a steady event rate, and its drain throughput.

Builds the throwaway stack of bench/push_throughput.py (own redis-server, registry with the
velocity view), then:

1. steady: starts ``mlops stream run`` (metrics on a free loopback port) and produces events
   paced in real time at ``--rate`` for ``--seconds``; lag p50/p99 are read from the consumer's
   own histogram ``mlops_stream_event_to_online_seconds`` (event time to its row online, deltas
   of the run, interpolated inside buckets as Prometheus' ``histogram_quantile`` does);
2. drain: pre-fills a second stream with ``--drain-events`` events and runs ``mlops stream run
   --exit-when-idle``; events/s from its own closing line (its loop's time: start-up excluded,
   the expiry rows up to the newest event and the last offline flush included);
3. peer: ``feast serve --max-requests 0`` receiving one ``/push`` per event (a one-row body, as
   a service pushing each event's velocity row itself would send), c=1 and c=8: events/s.

    .venv/bin/python bench/stream_lag.py --rate 1000 --seconds 30 --drain-events 50000
"""

import argparse
import asyncio
import os
import re
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from http_load import Target, run_round
from prometheus_client.parser import text_string_to_metric_families
from push_throughput import Case, bodies, velocity_stack
from server_processes import LOOPBACK, ServerProcess, free_port, make_log_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HISTOGRAM = "mlops_stream_event_to_online_seconds"


def scrape(port: int) -> dict[str, float]:
    """The consumer's samples: histogram buckets as ``bucket:<le>``, plus counts and totals by name."""
    with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{HISTOGRAM}_bucket":
                samples[f"bucket:{sample.labels['le']}"] = sample.value
            elif not sample.labels:
                samples[sample.name] = sample.value
    return samples


def quantile(q: float, before: dict[str, float], after: dict[str, float]) -> float:
    """``histogram_quantile`` over the buckets' increase between two scrapes."""
    bounds = sorted(
        (float(key.split(":")[1]), after[key] - before.get(key, 0.0)) for key in after if key[:7] == "bucket:"
    )
    total = bounds[-1][1]
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for upper, cumulative in bounds:
        if cumulative >= rank:
            if upper == float("inf"):
                return lower  # Prometheus answers the highest finite bound
            inside = cumulative - below
            return lower + (upper - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = upper, cumulative
    return lower


def consumer(name: str, log_dir: Path, key: str, metrics_port: int, *extra: str) -> ServerProcess:
    env = {
        "MLOPS_STREAM_KEY": f"bench:{key}:events",
        "MLOPS_STREAM_STATE_PREFIX": f"bench:{key}:state",
        "MLOPS_STREAM_CONSUMER": f"bench-{key}",
        "MLOPS_STREAM_METRICS_PORT": str(metrics_port),
    }
    argv = [str(VENV_BIN / "mlops"), "stream", "run", *extra]
    return ServerProcess(name, argv, metrics_port, "/metrics", REPO_ROOT, log_dir, env)


def steady(log_dir: Path, client: object, args: argparse.Namespace) -> dict[str, float]:
    from materialization.stream.produce import produce, synthetic_events

    port = free_port()
    process = consumer("consumer-steady", log_dir, "steady", port)
    count = int(args.rate * args.seconds)
    process.start()
    try:
        process.wait_ready(time.monotonic() + 120)
        deadline = time.monotonic() + 120
        while not client.exists("bench:steady:events") and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.1)  # the group is created once the store is open: then the consumer reads
        before = scrape(port)
        events = synthetic_events(args.seed, args.customers, count, time.time(), args.rate)
        started = time.monotonic()
        producer = threading.Thread(target=produce, args=(client, "bench:steady:events", events, True))
        producer.start()
        producer.join()
        produced_s = time.monotonic() - started
        at_end = scrape(port)
        deadline = time.monotonic() + args.drain_timeout
        while scrape(port).get("mlops_stream_events_total", 0) < count and time.monotonic() < deadline:
            time.sleep(0.5)
        caught_up_s = time.monotonic() - started
        after = scrape(port)
    finally:
        process.stop()
    applied = at_end.get("mlops_stream_events_total", 0) - before.get("mlops_stream_events_total", 0)
    return {
        "events": count,
        "produced_rate": count / produced_s,
        "consumed_rate_while_producing": applied / produced_s,
        "caught_up_s": caught_up_s,
        "all_applied": float(after.get("mlops_stream_events_total", 0) >= count),
        "p50": quantile(0.5, before, after),
        "p99": quantile(0.99, before, after),
    }


def drain(log_dir: Path, client: object, args: argparse.Namespace) -> dict[str, float]:
    from materialization.stream.produce import produce, synthetic_events

    start = time.time() - args.drain_events / args.rate  # the same event-time density as the steady run
    events = synthetic_events(args.seed + 1, args.customers, args.drain_events, start, args.rate)
    produce(client, "bench:drain:events", events, live=False)  # type: ignore[arg-type]
    process = consumer("consumer-drain", log_dir, "drain", free_port(), "--exit-when-idle")
    process.start()
    try:
        deadline = time.monotonic() + args.drain_timeout
        while process.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        exited = not process.running()
    finally:
        process.stop()
    # The consumer's own closing line times its loop alone (start-up and store opening excluded).
    found = re.search(r"stopped after ([\d,]+) events in ([\d.]+) s", process.log_path.read_text(errors="replace"))
    if found is None or not exited:
        raise RuntimeError(f"the drain consumer did not finish:\n{process.log_tail()}")
    applied, seconds = int(found.group(1).replace(",", "")), float(found.group(2))
    if applied != args.drain_events:
        raise RuntimeError(f"the drain consumer applied {applied} of {args.drain_events} events")
    return {"events": applied, "seconds": seconds, "rate": applied / seconds}


async def peer_pushes(port: int, pgid: int | None, args: argparse.Namespace) -> dict[int, float]:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    rates = {}
    first = 0
    for concurrency in (1, 8):
        case = Case(1, concurrency, first, 50, args.peer_events)
        first += case.warmup + case.timed
        target = Target("feast", LOOPBACK, port, "/push", bodies(case, "feast", start), _ok, pgid)
        deadline = time.monotonic() + 300
        await run_round(target, range(case.warmup), concurrency, 60.0, deadline)
        one = await run_round(target, range(case.warmup, case.warmup + case.timed), concurrency, 60.0, deadline)
        if one.errors:
            print(f"  peer errors: {dict(one.errors)}", file=sys.stderr)
        rates[concurrency] = one.ok / one.elapsed_s
    return rates


def _ok(status: int, body: bytes, index: int) -> str | None:
    return None if status == 200 else f"HTTP {status}"


def peer(log_dir: Path, repo: str, args: argparse.Namespace) -> dict[int, float]:
    port = free_port()
    runtime = log_dir / "feast-runtime"
    runtime.mkdir()
    argv = [str(VENV_BIN / "feast"), "serve", "--host", LOOPBACK, "--port", str(port), "--no-access-log"]
    server = ServerProcess(
        "feast", [*argv, "--max-requests", "0"], port, "/health", Path(repo), log_dir, {"XDG_RUNTIME_DIR": str(runtime)}
    )
    server.start()
    try:
        server.wait_ready(time.monotonic() + 180)
        return asyncio.run(peer_pushes(port, server.pgid, args))
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="Steady events per second.")
    parser.add_argument("--seconds", type=float, default=30.0, help="How long the steady stream runs.")
    parser.add_argument("--drain-events", type=int, default=50_000, help="Events pre-filled for the drain run.")
    parser.add_argument("--peer-events", type=int, default=2000, help="One-row /push calls to feast serve per c.")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    with make_log_dir() as log_name:
        log_dir = Path(log_name)
        redis, repo = velocity_stack(log_dir / "stack")
        try:
            from core.redis_client import RedisTarget, sync_client

            client = sync_client(RedisTarget.parse(os.environ["REDIS_CONNECTION_STRING"]), timeout=5.0)
            print("steady stream ...", file=sys.stderr)
            lag = steady(log_dir, client, args)
            print("drain ...", file=sys.stderr)
            drained = drain(log_dir, client, args)
            print("peer: feast serve /push per event ...", file=sys.stderr)
            pushed = peer(log_dir, repo, args)
        finally:
            redis.stop()
    print(f"| measure | {args.rate:,.0f} events/s for {args.seconds:.0f} s ({lag['events']:,.0f} events) |")
    print("|---|---|")
    print(f"| produced at | {lag['produced_rate']:,.0f} events/s |")
    print(f"| consumed while producing | {lag['consumed_rate_while_producing']:,.0f} events/s |")
    print(f"| all events applied | {'yes' if lag['all_applied'] else 'no'}, {lag['caught_up_s']:.1f} s after start |")
    print(f"| event-to-online p50 | {lag['p50']:.2f} s |")
    print(f"| event-to-online p99 | {lag['p99']:.2f} s |")
    print()
    print("| throughput | events/s | ratio to mlops stream run |")
    print("|---|---|---|")
    print(
        f"| mlops stream run, drain of {drained['events']:,} events ({drained['seconds']:.1f} s)"
        f" | {drained['rate']:,.0f} | 1.00x |"
    )
    for concurrency, rate in pushed.items():
        print(
            f"| peer: feast serve --max-requests 0, one /push per event, c={concurrency}"
            f" | {rate:,.0f} | {rate / drained['rate']:.2f}x |"
        )
    print("lag: the consumer's histogram (buckets 0.05 ... 300 s), deltas over the steady run, interpolated.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
