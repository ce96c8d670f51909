"""``mlops data``: generate the example's offline data."""

import json
import signal
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from core.durations import parse_duration
from core.errors import UserError

app = typer.Typer(help="Synthetic upstream data (customer snapshots and transactions).", no_args_is_help=True)


@app.command("generate")
def generate_command(
    customers: Annotated[int, typer.Option(min=1, help="Number of customers (ids 1..N).")] = 10_000,
    days: Annotated[int, typer.Option(min=2, help="Days of daily snapshots.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 7,
    end: Annotated[datetime | None, typer.Option(help="Newest snapshot day (UTC); default: today's midnight.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder; default: the data folder's offline/.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")] = False,
) -> None:
    """Write customer_stats.parquet, transactions.parquet and their customer_txn_velocity.parquet history."""
    from datetime import UTC

    from core.paths import ProjectPaths  # pydantic-settings, like pandas below: import on use
    from upstream.generate import GeneratorConfig, default_end, generate  # pandas: import on use
    from upstream.velocity_history import velocity_history

    end_at = default_end() if end is None else (end if end.tzinfo else end.replace(tzinfo=UTC))
    try:
        config = GeneratorConfig(customers=customers, days=days, seed=seed, end=end_at)
    except ValueError as error:
        raise UserError(str(error)) from error
    folder = out or ProjectPaths.from_env().offline
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create output folder {folder}: {error.strerror}") from error
    data = generate(config)
    data.customer_stats.to_parquet(folder / "customer_stats.parquet", index=False)
    data.transactions.to_parquet(folder / "transactions.parquet", index=False)
    velocity_history(data.transactions).to_parquet(folder / "customer_txn_velocity.parquet", index=False)
    fraud_rate = float(data.transactions["is_fraud"].mean())
    if as_json:
        report = {
            "folder": str(folder),
            "snapshots": len(data.customer_stats),
            "transactions": len(data.transactions),
            "fraud_rate": fraud_rate,
            "customers": customers,
            "days": days,
            "seed": seed,
            "end": end_at.isoformat(),
        }
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(
        f"wrote {len(data.customer_stats):,} snapshots and {len(data.transactions):,} transactions "
        f"(fraud rate {fraud_rate:.2%}) to {folder}"
    )


@app.command("append")
def append_command(
    every: Annotated[
        timedelta | None,
        typer.Option(
            parser=parse_duration,
            metavar="<duration>",
            help="Keep appending this often (e.g. 1m) until Ctrl-C; default: once.",
        ),
    ] = None,
    at: Annotated[datetime | None, typer.Option(help="Event time of the new snapshots (UTC); default: now.")] = None,
    path: Annotated[Path | None, typer.Option(help="Snapshot file; default: the data folder's customer_stats.")] = None,
    shift: Annotated[
        float,
        typer.Option(
            min=0.01, help="Multiply the average order value by this factor (simulate upstream drift; 1 = none)."
        ),
    ] = 1.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per append (one document once; JSON lines with --every).")
    ] = False,
) -> None:
    """Simulate the upstream feed: append a new snapshot of every customer, once or on an interval."""
    from datetime import UTC

    from core.paths import ProjectPaths
    from upstream.append import append_snapshots  # pandas: import on use

    target = path or ProjectPaths.from_env().customer_stats
    if not target.exists():
        raise UserError(f"{target} does not exist: run `mlops data generate` first")
    if at is not None and every is not None:
        raise UserError("give either --at or --every, not both")
    stop = _stop_on_interrupt() if every is not None else None
    while True:
        moment = (at if at.tzinfo else at.replace(tzinfo=UTC)) if at else datetime.now(UTC)
        try:
            added = append_snapshots(target, moment, shift=shift)
        except (OSError, ValueError) as error:
            raise UserError(f"cannot append to {target}: {error}") from error
        if as_json:
            typer.echo(json.dumps({"path": str(target), "snapshots": added, "at": moment.isoformat()}))
        else:
            typer.echo(f"appended {added:,} snapshots at {moment.isoformat()} to {target}")
        if every is None or stop is None:
            return
        if stop.wait(every.total_seconds()):
            typer.echo("stopped appending: the freshness alert fires once the data is older than its SLA", err=as_json)
            return


def _stop_on_interrupt() -> threading.Event:
    """Turn Ctrl-C into a flag, so an append under way finishes its file before the loop stops.

    A KeyboardInterrupt raised inside the write would leave the exit status 130 and, worse, could
    cut the snapshot file short; the flag is only looked at between appends. A second Ctrl-C
    interrupts at once, as a user pressing it twice expects.
    """
    stop = threading.Event()

    def interrupted(_signum: int, _frame: object) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, interrupted)
    return stop
