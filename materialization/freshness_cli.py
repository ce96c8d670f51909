"""``mlops freshness``: is each feature view's online data within its SLA?"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import UserError

if TYPE_CHECKING:
    from materialization.freshness import ViewFreshness

app = typer.Typer(help="Freshness of the online store against each feature view's SLA.", no_args_is_help=True)


def _time(epoch: float | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def freshness_json(result: "ViewFreshness") -> dict[str, object]:
    return {
        "view": result.view,
        "verdict": result.verdict.value,
        "breached": result.breached,
        "sla_seconds": result.sla_seconds,
        "data_age_seconds": result.data_age,
        "online_newest_event": result.online_newest,
        "tracked_newest_event": result.tracked_newest,
        "sampled_newest_event": result.sampled_newest,
        "sampled_keys": result.sampled_keys,
        "seconds_since_last_success": result.since_success,
        "last_success_at": result.last_success_at,
        "source_newest_event": result.source_newest,
        "source_age_seconds": result.source_age,
        "last_error": result.last_error,
        "message": result.explain(),
    }


def freshness_table(results: "list[ViewFreshness]") -> str:
    from core.durations import format_duration
    from core.tables import render_table

    header = ("view", "sla", "data age", "online newest", "since success", "source newest", "verdict")
    rows = [
        (
            r.view,
            format_duration(r.sla_seconds),
            format_duration(r.data_age),
            _time(r.online_newest),
            format_duration(r.since_success),
            _time(r.source_newest),
            r.verdict.value,
        )
        for r in results
    ]
    return render_table(header, rows, rule=False)


@app.command("check")
def check_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    views: Annotated[list[str] | None, typer.Option("--view", help="Only this feature view (repeatable).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="materialization.yaml with SLA overrides.")] = None,
) -> None:
    """Print each view's data age, time since last success and source freshness; exit 1 on a breach."""
    from redis.exceptions import RedisError

    from materialization.cli import load_or_fail, open_checked_store
    from materialization.freshness import check_all
    from materialization.records import RunLog

    settings = load_or_fail(config)
    try:
        store = open_checked_store(views)
        results = check_all(store, RunLog(), settings.sla_overrides, views)
    except ValueError as error:
        raise UserError(f"configuration: {error}") from error
    except RedisError as error:
        raise UserError(f"online store unreachable, freshness unknown: {error}") from error
    typer.echo(json.dumps([freshness_json(r) for r in results], indent=2) if as_json else freshness_table(results))
    breached = [r for r in results if r.breached]
    if breached:
        if not as_json:
            for result in breached:
                typer.echo(result.explain(), err=True)
        raise UserError(f"freshness SLA breached for {', '.join(r.view for r in breached)}")
