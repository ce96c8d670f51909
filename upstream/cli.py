"""``mlops data``: generate the example's offline data."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from mlops.console import fail, info
from mlops.project import ProjectPaths

app = typer.Typer(help="Synthetic upstream data (customer snapshots and transactions).", no_args_is_help=True)


@app.command("generate")
def generate_command(
    customers: Annotated[int, typer.Option(min=1, help="Number of customers (ids 1..N).")] = 10_000,
    days: Annotated[int, typer.Option(min=2, help="Days of daily snapshots.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 7,
    end: Annotated[datetime | None, typer.Option(help="Newest snapshot day (UTC); default: today's midnight.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder; default: the data folder's offline/.")] = None,
) -> None:
    """Write customer_stats.parquet and transactions.parquet."""
    from datetime import UTC

    from upstream.generate import GeneratorConfig, default_end, generate  # pandas: import on use

    end_at = default_end() if end is None else (end if end.tzinfo else end.replace(tzinfo=UTC))
    try:
        config = GeneratorConfig(customers=customers, days=days, seed=seed, end=end_at)
    except ValueError as error:
        fail(str(error))
    folder = out or ProjectPaths.from_env().offline
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot create output folder {folder}: {error.strerror}")
    data = generate(config)
    data.customer_stats.to_parquet(folder / "customer_stats.parquet", index=False)
    data.transactions.to_parquet(folder / "transactions.parquet", index=False)
    fraud_rate = data.transactions["is_fraud"].mean()
    info(
        f"wrote {len(data.customer_stats):,} snapshots and {len(data.transactions):,} transactions "
        f"(fraud rate {fraud_rate:.2%}) to {folder}"
    )
