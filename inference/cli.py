"""``mlops serve``: run the inference service."""

import threading
from datetime import timedelta
from typing import Annotated, Literal

import typer

from core.durations import parse_duration
from core.errors import UserError

LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]
"""uvicorn's log levels."""
DEFAULT_DRAIN = timedelta(seconds=25)
"""Inside the Kubernetes pod's 40 s grace period, after its 5 s preStop sleep."""


def seconds_or_duration(text: str) -> timedelta:
    """``25s``, ``1m``: a duration; a bare ``25`` stays seconds, the form the Kubernetes manifest passes."""
    return timedelta(seconds=int(text)) if text.strip().isdigit() else parse_duration(text)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    show_examples: Annotated[
        bool, typer.Option(help="Once ready, send a few example requests and print them.")
    ] = False,
    log_level: Annotated[LogLevel, typer.Option(help="uvicorn log level.")] = "info",
    graceful_timeout: Annotated[
        timedelta | None,
        typer.Option(
            parser=seconds_or_duration,
            metavar="<duration>",
            help="On SIGTERM, how long in-flight requests may finish, e.g. 25s or 1m (a bare number is seconds);"
            " default: 25s.",
        ),
    ] = None,
) -> None:
    """Serve POST /predict with the production model; refuses to start if model and features disagree."""
    from inference.metrics_dir import prepare_multiprocess_dir  # before prometheus_client is imported anywhere

    prepare_multiprocess_dir()
    import uvicorn
    from feast.errors import FeastObjectNotFoundException

    from inference.app import create_app, open_serving_state
    from inference.model import ModelIncompatibleError, ModelUnavailableError
    from inference.settings import get_settings

    settings = get_settings()
    drain = round((DEFAULT_DRAIN if graceful_timeout is None else graceful_timeout).total_seconds())
    try:
        state = open_serving_state(settings)
    except (ModelUnavailableError, ModelIncompatibleError, ValueError) as error:
        raise UserError(str(error)) from error
    except FeastObjectNotFoundException as error:
        raise UserError(f"{error}: run `feast apply` first") from error
    typer.echo(f"model {state.model.name} version {state.model.version}, features from {state.model.feature_service}")
    if show_examples:
        from inference.examples import show_examples as run_examples

        threading.Thread(target=run_examples, args=(f"http://{host}:{port}",), daemon=True).start()
    if workers == 1:
        uvicorn.run(
            create_app(settings, state=state),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=drain,
        )
    else:
        from inference.supervisor import run_workers

        run_workers(
            "inference.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=drain,
        )
