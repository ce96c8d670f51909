"""``mlops stack``: start and stop the local services the demo needs."""

import os

import typer

from mlops.console import fail, info
from mlops.project import ProjectPaths
from stack.redis_server import LocalRedis, RedisEndpoint, RedisStartError

app = typer.Typer(help="Local stack: a real redis-server and the MLflow SQLite backend.", no_args_is_help=True)


def _local_redis() -> LocalRedis:
    connection = os.environ.get("REDIS_CONNECTION_STRING", "127.0.0.1:6379")
    try:
        endpoint = RedisEndpoint.parse(connection)
    except ValueError as error:
        fail(str(error))
    return LocalRedis(endpoint=endpoint, directory=ProjectPaths.from_env().redis)


@app.command()
def up() -> None:
    """Start redis-server (unless one already answers) and create the MLflow backend."""
    redis_server = _local_redis()
    try:
        started = redis_server.start()
    except RedisStartError as error:
        fail(str(error))
    where = f"{redis_server.endpoint.host}:{redis_server.endpoint.port}"
    info(f"redis   {'started' if started else 'already running'} on {where}")
    from stack.mlflow_backend import ensure_backend  # MLflow is slow to import; only `up` needs it

    info(f"mlflow  backend ready at {ensure_backend()}")


@app.command()
def down() -> None:
    """Stop the redis-server that `up` started; leave anything else alone."""
    redis_server = _local_redis()
    stopped = redis_server.stop()
    info("redis   stopped" if stopped else "redis   not started by us; left alone")


@app.command()
def status() -> None:
    """Say whether Redis answers."""
    redis_server = _local_redis()
    answers = redis_server.endpoint.answers()
    info(f"redis   {'up' if answers else 'down'} on {redis_server.endpoint.host}:{redis_server.endpoint.port}")
    if not answers:
        raise typer.Exit(1)
