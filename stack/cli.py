"""``mlops stack``: start and stop the local services the demo needs."""

import json
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import UserError

if TYPE_CHECKING:  # redis-py and pydantic cost ~0.5 s to import: only the commands load them
    from stack.redis_server import LocalRedis

app = typer.Typer(help="Local stack: a real redis-server and the MLflow SQLite backend.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]


def _local_redis() -> "LocalRedis":
    from core.paths import ProjectPaths
    from core.redis_client import RedisTarget
    from core.settings import ProjectSettings
    from stack.redis_server import LocalRedis, RedisEndpoint

    try:
        target = RedisTarget.parse(ProjectSettings().redis_connection_string)
    except ValueError as error:
        raise UserError(f"REDIS_CONNECTION_STRING: {error}") from error
    endpoint = RedisEndpoint(target.host, target.port, target.password)
    return LocalRedis(endpoint=endpoint, directory=ProjectPaths.from_env().redis)


def _where(redis_server: "LocalRedis") -> str:
    return f"{redis_server.endpoint.host}:{redis_server.endpoint.port}"


def _redis_json(redis_server: "LocalRedis", state: str) -> dict[str, object]:
    return {"host": redis_server.endpoint.host, "port": redis_server.endpoint.port, "state": state}


@app.command()
def up(as_json: JsonOpt = False) -> None:
    """Start redis-server (unless one already answers) and create the MLflow backend."""
    from stack.redis_server import RedisStartError

    redis_server = _local_redis()
    try:
        started = redis_server.start()
    except RedisStartError as error:
        raise UserError(str(error)) from error
    state = "started" if started else "already running"
    if not as_json:
        typer.echo(f"redis   {state} on {_where(redis_server)}")
    from stack.mlflow_backend import ensure_backend  # MLflow is slow to import; only `up` needs it

    backend = ensure_backend()
    if as_json:
        typer.echo(json.dumps({"redis": _redis_json(redis_server, state), "mlflow": {"backend": backend}}, indent=2))
    else:
        typer.echo(f"mlflow  backend ready at {backend}")


@app.command()
def down(as_json: JsonOpt = False) -> None:
    """Stop the redis-server that `up` started; leave anything else alone."""
    redis_server = _local_redis()
    stopped = redis_server.stop()
    if as_json:
        typer.echo(json.dumps({"redis": _redis_json(redis_server, "stopped" if stopped else "left alone")}, indent=2))
    else:
        typer.echo("redis   stopped" if stopped else "redis   not started by us; left alone")


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """Say whether Redis answers; exit 1 when it does not or refuses the password."""
    from stack.redis_server import RedisAuthenticationError

    redis_server = _local_redis()
    try:
        state = "up" if redis_server.endpoint.answers() else "down"
    except RedisAuthenticationError as error:
        if as_json:
            body = {**_redis_json(redis_server, "authentication failed"), "error": error.reason}
            typer.echo(json.dumps({"redis": body}, indent=2))
        else:
            typer.echo(f"redis   up on {_where(redis_server)} but authentication failed: {error.reason}")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"redis": _redis_json(redis_server, state)}, indent=2))
    else:
        typer.echo(f"redis   {state} on {_where(redis_server)}")
    if state == "down":
        raise typer.Exit(1)
