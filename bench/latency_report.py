"""Summaries of the rounds and the printed comparison table."""

import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from http_load import RoundResult


@dataclass(frozen=True)
class Row:
    """One target at one concurrency, over all its timed rounds."""

    target: str
    label: str
    concurrency: int
    requests: int
    ok: int
    errors: int
    p50_ms: float
    p50_range_ms: tuple[float, float]
    p99_ms: float
    max_ms: float
    throughput: float
    client_cpu_us: float
    server_cpu_ms: float | None
    rounds: int
    truncated: bool
    error_reasons: dict[str, int] = field(default_factory=dict)
    p50_ratio: float | None = None
    """Ours' p50 divided by this row's p50 (peer rows only); below 1 means ours is faster."""
    throughput_ratio: float | None = None
    """Ours' throughput divided by this row's (peer rows only); above 1 means ours serves more."""


def summarise(target: str, label: str, concurrency: int, rounds: list[RoundResult]) -> Row:
    """p50 and throughput: median over rounds (robust to one noisy round); p99 and max: all requests pooled.

    A round's p99 rests on a handful of samples, so the tail is taken over every timed request.
    """
    pooled = np.array([latency for one in rounds for latency in one.latencies_ms])
    round_p50 = [float(np.percentile(one.latencies_ms, 50)) for one in rounds if one.latencies_ms]
    round_rate = [one.ok / one.elapsed_s for one in rounds if one.elapsed_s > 0]
    reasons: Counter[str] = Counter()
    for one in rounds:
        reasons.update(one.errors)
    requests = sum(one.sent for one in rounds)
    server_cpu = [one.server_cpu_s for one in rounds]
    return Row(
        target=target,
        label=label,
        concurrency=concurrency,
        requests=requests,
        ok=len(pooled),
        errors=sum(reasons.values()),
        p50_ms=statistics.median(round_p50) if round_p50 else float("nan"),
        p50_range_ms=(min(round_p50), max(round_p50)) if round_p50 else (float("nan"), float("nan")),
        p99_ms=float(np.percentile(pooled, 99)) if len(pooled) else float("nan"),
        max_ms=float(pooled.max()) if len(pooled) else float("nan"),
        throughput=statistics.median(round_rate) if round_rate else float("nan"),
        client_cpu_us=sum(one.client_cpu_s for one in rounds) / max(requests, 1) * 1e6,
        server_cpu_ms=(
            sum(cpu for cpu in server_cpu if cpu is not None) / max(requests, 1) * 1e3
            if all(cpu is not None for cpu in server_cpu)
            else None
        ),
        rounds=len(rounds),
        truncated=any(one.truncated for one in rounds),
        error_reasons=dict(reasons.most_common()),
    )


def with_ratios(rows: list[Row], ours: str) -> list[Row]:
    """Fill the ours/peer ratios on every peer row, against ours at the same concurrency."""
    by_concurrency = {row.concurrency: row for row in rows if row.target == ours}
    out = []
    for row in rows:
        mine = by_concurrency.get(row.concurrency)
        if row.target == ours or mine is None:
            out.append(row)
            continue
        out.append(
            replace(
                row,
                p50_ratio=mine.p50_ms / row.p50_ms if row.p50_ms > 0 else None,
                throughput_ratio=mine.throughput / row.throughput if row.throughput > 0 else None,
            )
        )
    return out


_COLUMNS: tuple[tuple[str, str], ...] = (
    ("target", "<"),
    ("conc", ">"),
    ("requests", ">"),
    ("errors", ">"),
    ("p50 ms", ">"),
    ("p50 rounds", ">"),
    ("p99 ms", ">"),
    ("max ms", ">"),
    ("req/s", ">"),
    ("srv CPU ms/req", ">"),
    ("p50 ours/peer", ">"),
    ("req/s ours/peer", ">"),
)


def _cells(row: Row) -> list[str]:
    low, high = row.p50_range_ms
    return [
        row.label + (" (incomplete)" if row.truncated else ""),
        str(row.concurrency),
        str(row.requests),
        str(row.errors),
        f"{row.p50_ms:.2f}",
        f"{low:.2f}-{high:.2f}",
        f"{row.p99_ms:.2f}",
        f"{row.max_ms:.1f}",
        f"{row.throughput:.0f}",
        "-" if row.server_cpu_ms is None else f"{row.server_cpu_ms:.2f}",
        "-" if row.p50_ratio is None else f"{row.p50_ratio:.2f}x",
        "-" if row.throughput_ratio is None else f"{row.throughput_ratio:.2f}x",
    ]


def render_table(rows: list[Row]) -> str:
    cells = [[name for name, _ in _COLUMNS], *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_COLUMNS))]

    def line(values: list[str]) -> str:
        parts = [f"{value:{align}{width}}" for value, (_, align), width in zip(values, _COLUMNS, widths, strict=True)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    body: list[str] = []
    previous: int | None = None
    for row, values in zip(rows, cells[1:], strict=True):
        if previous is not None and row.concurrency != previous:
            body.append("")
        body.append(line(values))
        previous = row.concurrency
    return "\n".join([line(cells[0]), rule, *body])


def row_json(row: Row, rounds: list[RoundResult]) -> dict[str, Any]:
    return {
        **row.__dict__,
        "per_round": [
            {
                "sent": one.sent,
                "ok": one.ok,
                "errors": sum(one.errors.values()),
                "elapsed_s": one.elapsed_s,
                "p50_ms": float(np.percentile(one.latencies_ms, 50)) if one.latencies_ms else None,
                "throughput": one.ok / one.elapsed_s if one.elapsed_s > 0 else None,
                "server_cpu_s": one.server_cpu_s,
                "client_cpu_s": one.client_cpu_s,
            }
            for one in rounds
        ],
    }
