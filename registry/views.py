"""How registry data is shown: aligned tables for people, plain JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from core.tables import render_table

if TYPE_CHECKING:  # only types: the pipeline validator prints tables without importing MLflow
    from registry.audit import Transition
    from registry.comparison import MetricRow, ParamRow
    from registry.version_view import VersionView


def print_json(payload: object) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=True))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    typer.echo(render_table(headers, rows))


def version_json(version: VersionView, last: Transition | None = None) -> dict[str, object]:
    return {
        "name": version.name,
        "version": version.version,
        "label": version.label,
        "aliases": list(version.aliases),
        "lifecycle": version.lifecycle,
        "gate": version.gate,
        "metrics": version.metrics,
        "params": version.params,
        "created": version.created,
        "run_id": version.run_id,
        "last_transition": last.as_dict() if last else None,
    }


def _metrics_cell(metrics: dict[str, float]) -> str:
    return " ".join(f"{key}={value:.4g}" for key, value in sorted(metrics.items())) or "-"


def _transition_cell(transition: Transition | None) -> str:
    if transition is None:
        return "-"
    return f"{transition.action} {transition.at[:19]} by {transition.actor}: {transition.reason}"


def print_versions(rows: Sequence[tuple[VersionView, Transition | None]]) -> None:
    print_table(
        ("model", "version", "label", "aliases", "gate", "metrics", "last transition"),
        [
            (
                version.name,
                version.version,
                version.label or "-",
                ",".join(version.aliases) or "-",
                version.gate,
                _metrics_cell(version.metrics),
                _transition_cell(last),
            )
            for version, last in rows
        ],
    )


def print_history(name: str, transitions: Sequence[Transition]) -> None:
    print_table(
        ("when (UTC)", "who", "action", "stage", "from", "to", "why"),
        [
            (t.at[:19], t.actor, t.action, t.stage, t.from_version or "-", t.to_version or "-", t.reason)
            for t in transitions
        ],
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def print_comparison(first: VersionView, second: VersionView, metrics: list[MetricRow], params: list[ParamRow]) -> None:
    print_table(
        ("metric", first.ref, second.ref, "delta", "better"),
        [
            (
                row.metric,
                _number(row.first),
                _number(row.second),
                "-" if row.delta is None else f"{row.delta:+.4f}",
                row.better,
            )
            for row in metrics
        ],
    )
    typer.echo("")
    print_table(
        ("param", first.ref, second.ref, "changed"),
        [(row.param, row.first or "-", row.second or "-", "yes" if row.changed else "") for row in params],
    )


def comparison_json(
    first: VersionView, second: VersionView, metrics: list[MetricRow], params: list[ParamRow]
) -> object:
    return {
        "versions": [version_json(first), version_json(second)],
        "metrics": [asdict(row) for row in metrics],
        "params": [asdict(row) for row in params],
    }
