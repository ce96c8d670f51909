"""``mlops drift``: compare two files column by column; the exit status says whether they drifted.

Exit 0: no dataset drift; 1: drift found; 2: the input cannot be compared. CI jobs and
cron can act on the status without parsing the output.
"""

from pathlib import Path
from typing import Annotated, Literal

import typer

from core.errors import UserError

EXIT_DRIFT = 1
EXIT_BAD_INPUT = 2
NumericMethod = Literal["auto", "ks", "psi", "wasserstein"]
"""monitoring.drift.NUMERIC_METHODS, typed so ``--help`` lists them."""
CategoricalMethod = Literal["auto", "chi2", "psi", "jensenshannon"]
"""monitoring.drift.CATEGORICAL_METHODS."""


def _names(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def drift_command(
    reference: Annotated[Path, typer.Option(help="Reference data (.csv or .parquet), e.g. the training set.")],
    current: Annotated[Path, typer.Option(help="Current data (.csv or .parquet), e.g. recent predictions.")],
    columns: Annotated[str | None, typer.Option(help="Comma-separated columns; default: all common ones.")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Numeric threshold (p-value for ks, distance otherwise).")
    ] = None,
    cat_threshold: Annotated[float | None, typer.Option(help="Categorical threshold (p-value for chi2).")] = None,
    method: Annotated[
        NumericMethod, typer.Option(help="Numeric method; auto: ks up to 1,000 reference rows, else wasserstein.")
    ] = "auto",
    cat_method: Annotated[
        CategoricalMethod,
        typer.Option(help="Categorical method; auto: chi2 up to 1,000 reference rows, else jensenshannon."),
    ] = "auto",
    drift_share: Annotated[float, typer.Option(help="Share of drifted columns that makes the dataset drift.")] = 0.5,
    numeric: Annotated[str | None, typer.Option(help="Columns to treat as numeric (comma-separated).")] = None,
    categorical: Annotated[str | None, typer.Option(help="Columns to treat as categorical (comma-separated).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    html: Annotated[Path | None, typer.Option(help="Also write a self-contained HTML report here.")] = None,
) -> None:
    """Detect drift of CURRENT against REFERENCE; exit 1 on drift, 2 on unusable input."""
    from monitoring.drift import DriftConfig, compare
    from monitoring.report_text import render_json, render_table
    from monitoring.tables import ColumnKind, DriftInputError, read_table

    overrides = {name: ColumnKind.NUMERIC for name in _names(numeric)}
    overrides.update({name: ColumnKind.CATEGORICAL for name in _names(categorical)})
    selected = _names(columns) or None
    try:
        config = DriftConfig(method, cat_method, threshold, cat_threshold, drift_share)
        before, after = (read_table(path, selected, text_as_category=True) for path in (reference, current))
        report = compare(before, after, config, selected, overrides)
    except DriftInputError as error:
        raise UserError(str(error), EXIT_BAD_INPUT) from error
    typer.echo(render_json(report) if as_json else render_table(report))
    if html is not None:
        from monitoring.report_html import render_html

        try:
            html.write_text(render_html(report, str(reference), str(current)), encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write {html}: {error}", EXIT_BAD_INPUT) from error
        if not as_json:
            typer.echo(f"HTML report: {html}")
    if report.drifted:
        raise typer.Exit(EXIT_DRIFT)
