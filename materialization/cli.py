"""``mlops materialize``: keep the online store current."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from mlops.console import CommandError, fail, info

app = typer.Typer(help="Materialize offline features into the Redis online store.", no_args_is_help=True)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@app.command("run")
def run_command(
    end: Annotated[datetime | None, typer.Option(help="End of the window (UTC); default: now.")] = None,
    start: Annotated[
        datetime | None, typer.Option(help="Start of a full-range backfill; default: incremental.")
    ] = None,
    backfill_days: Annotated[
        float | None, typer.Option(min=0.0, help="Backfill this many days before --end (instead of --start).")
    ] = None,
    views: Annotated[list[str] | None, typer.Option("--view", help="Feature view to materialize (repeatable).")] = None,
) -> None:
    """Materialize feature views through Feast (incrementally unless --start is given)."""
    from feast.errors import FeastObjectNotFoundException
    from redis.exceptions import RedisError

    from materialization.jobs import materialize
    from mlops.feature_store import open_store

    end_at = _aware(end) or datetime.now(UTC)
    start_at = _aware(start)
    if backfill_days is not None:
        if start_at is not None:
            fail("give either --start or --backfill-days, not both")
        start_at = end_at - timedelta(days=backfill_days)
    if start_at is not None and start_at >= end_at:
        fail(f"--start ({start_at.isoformat()}) must be before --end ({end_at.isoformat()})")
    try:
        store = open_store()
        known = {view.name for view in store.list_feature_views()}
        unknown = sorted(set(views or []) - known)
        if unknown:
            listed = ", ".join(sorted(known)) or "none (run feast apply)"
            raise CommandError(f"unknown feature view(s): {', '.join(unknown)}; known: {listed}")
        if not known:
            raise CommandError("no feature views in the registry: run `feast apply` first")
        result = materialize(store, end=end_at, start=start_at, views=views)
    except CommandError as error:
        fail(str(error))
    except FeastObjectNotFoundException as error:
        fail(f"{error}: run `feast apply` first")
    except RedisError as error:
        fail(f"online store unreachable: {error}")
    except FileNotFoundError as error:
        fail(f"offline data missing: {error}; run `mlops data generate` first")
    info(f"materialized {', '.join(result.views)} up to {result.end.isoformat()}")
