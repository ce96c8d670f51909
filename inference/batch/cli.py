"""``mlops score batch``: score a file of transactions with point-in-time features."""

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from core.names import MODEL_NAME, PRODUCTION

Engine = Literal["local", "spark"]
"""Where the job runs, typed so ``--help`` lists the choices."""

app = typer.Typer(help="Score transactions offline (batch), features as of each row's time.", no_args_is_help=True)


@app.command("batch")
def batch_command(
    input_path: Annotated[
        Path, typer.Option("--input", help="Parquet file or folder (or CSV) with customer_id, amount, a timestamp.")
    ],
    output: Annotated[Path, typer.Option("--output", help="Parquet to write (a folder with --engine spark).")],
    model_version: Annotated[
        str | None, typer.Option(help="Registry version to score with; default: the --alias version.")
    ] = None,
    alias: Annotated[str, typer.Option(help="Alias to score with when no --model-version is given.")] = PRODUCTION,
    model_name: Annotated[str, typer.Option(help="Registered model.")] = MODEL_NAME,
    engine: Annotated[Engine, typer.Option(help="local (chunked, one process) or spark (PySpark).")] = "local",
    chunk_rows: Annotated[
        int, typer.Option(min=1, help="Rows per chunk of the local engine (bounds memory).")
    ] = 200_000,
    timestamp_column: Annotated[str, typer.Option(help="Input column holding each row's time.")] = "event_timestamp",
    partition_by_date: Annotated[
        bool | None,
        typer.Option(
            "--partition-by-date/--single-file",
            help="Write a Parquet dataset partitioned by UTC event date (event_date=YYYY-MM-DD/), or one file; "
            "default: partitioned when the input has over 1,000,000 rows.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON document.")] = False,
) -> None:
    """Write the input rows with probability, model_name, model_version and one status column per feature."""
    from inference.batch.job import BatchRequest, run

    request = BatchRequest(
        input=input_path,
        output=output,
        model_name=model_name,
        model_version=model_version,
        alias=alias,
        engine=engine,
        chunk_rows=chunk_rows,
        timestamp_column=timestamp_column,
        partition_by_date=partition_by_date,
    )
    # Feast and MLflow print to stdout; with --json stdout holds the document alone.
    library_output = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    progress = TerminalProgress()
    try:
        with library_output:
            summary = run(request, progress)
    finally:
        progress.close()
    typer.echo(json.dumps(summary.as_dict(), indent=2) if as_json else summary.describe())


class TerminalProgress:
    """A rows progress bar on stderr when it is a terminal; silent when output is piped or logged."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            self._bar = typer.progressbar(length=total, label="scoring", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
