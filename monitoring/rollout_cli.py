"""``mlops rollout status`` and ``analyze``: the registry's rollout state joined with what was served."""

import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.names import MODEL_NAME

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from monitoring.rollout_analyze import Analysis

NameOpt = Annotated[str, typer.Option("--name", help="Registered model name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
LogDirOpt = Annotated[Path | None, typer.Option(help="Prediction log folder; default: the data folder's.")]
EXIT_FAILED = 1


def _log_dir(log_dir: Path | None) -> Path:
    from core.paths import ProjectPaths

    return log_dir or ProjectPaths.from_env().predictions


def _print(analysis: "Analysis") -> None:
    state, verdict = analysis.state, analysis.verdict
    share = f"{state.weight:g}% of customers" if state.mode == "canary" else "shadow (every request)"
    typer.echo(
        f"{state.name}: production version {state.production}, {state.mode} version {state.candidate} "
        f"({share}) for {analysis.age_seconds:.0f}s: verdict {verdict.result}"
        + (f", {analysis.action}" if analysis.action != "none" else "")
    )
    for variant, numbers in analysis.variants.items():
        typer.echo(f"  {variant:<10} " + "  ".join(f"{key} {value}" for key, value in numbers.items()))
    for check in verdict.checks:
        typer.echo(f"  {'ok  ' if check.passed else 'FAIL'} {check.name}: {check.detail}")


def _labels(read: "Callable[[Path], pd.DataFrame]", path: Path, column: str) -> "pd.DataFrame":
    from core.errors import UserError
    from monitoring.tables import DriftInputError

    try:
        frame = read(path)
    except DriftInputError as error:
        raise UserError(str(error)) from error
    if column not in frame.columns:
        raise UserError(f"{path} has no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    return frame


def status_command(name: NameOpt = MODEL_NAME, log_dir: LogDirOpt = None, as_json: JsonOpt = False) -> None:
    """The variants, the canary weight, requests and metrics per variant so far, and the verdict (no action)."""
    from monitoring.rollout_analyze import assess
    from registry.rollout_cli import run_rollouts
    from registry.views import print_json

    state = run_rollouts(lambda rollouts: rollouts.state(name))
    analysis = run_rollouts(lambda rollouts: assess(rollouts, name, _log_dir(log_dir))) if state.mode else None
    if as_json:
        extra = {"variants": analysis.variants, "analysis": analysis.verdict.as_dict()} if analysis else {}
        print_json({**state.as_dict(), **extra})
        return
    if analysis is None:
        typer.echo(f"{name}: no rollout; production is version {state.production}")
        return
    _print(analysis)


def analyze_command(
    name: NameOpt = MODEL_NAME,
    log_dir: LogDirOpt = None,
    watch: Annotated[bool, typer.Option("--watch", help="Repeat until the rollout is promoted or aborted.")] = False,
    interval: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds between runs with --watch; default: the policy's.")
    ] = None,
    timeout: Annotated[float | None, typer.Option(min=0, help="With --watch: give up after this many seconds.")] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help="Delayed labels (.parquet or .csv) for the AUC check (policy max_auc_drop, significance)."),
    ] = None,
    label_column: Annotated[str, typer.Option(help="Label column of --labels (1 = fraud).")] = "is_fraud",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document per run.")] = False,
) -> None:
    """Judge the running rollout by its policy; promote on pass, abort on fail. Exit 1 when it failed."""
    import json

    from monitoring.rollout_analyze import LabelSource, analyze_once
    from monitoring.tables import read_table
    from registry.rollout_cli import run_rollouts

    folder, deadline = _log_dir(log_dir), None if timeout is None else time.monotonic() + timeout
    source = None
    while True:
        if labels is not None:  # re-read each run: labels keep arriving during a watch
            source = LabelSource(_labels(read_table, labels, label_column), label_column)
        analysis = run_rollouts(partial(analyze_once, name=name, log_dir=folder, labels=source))
        if analysis is None:
            typer.echo(json.dumps({"name": name, "mode": None}) if as_json else f"{name}: no rollout to analyze")
            return
        if as_json:
            typer.echo(json.dumps(analysis.as_dict(), sort_keys=True))
        else:
            _print(analysis)
        decided = analysis.verdict.result != "pending"
        if decided or not watch or (deadline is not None and time.monotonic() >= deadline):
            if analysis.verdict.result == "fail":
                raise typer.Exit(EXIT_FAILED)
            return
        wait = interval if interval is not None else float((analysis.state.policy or {}).get("interval_seconds", 30))
        time.sleep(wait if deadline is None else max(0.0, min(wait, deadline - time.monotonic())))
