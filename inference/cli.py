"""``mlops serve``: run the inference service."""

import threading
from typing import Annotated

import typer

from mlops.console import fail, info


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    show_examples: Annotated[
        bool, typer.Option(help="Once ready, send a few example requests and print them.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    graceful_timeout: Annotated[
        int, typer.Option(min=0, help="On SIGTERM, seconds to let in-flight requests finish before closing.")
    ] = 25,
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
    try:
        state = open_serving_state(settings)
    except (ModelUnavailableError, ModelIncompatibleError, ValueError) as error:
        fail(str(error))
    except FeastObjectNotFoundException as error:
        fail(f"{error}: run `feast apply` first")
    info(f"model {state.model.name} version {state.model.version}, features from {state.model.feature_service}")
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
            timeout_graceful_shutdown=graceful_timeout,
        )
    else:
        uvicorn.run(
            "inference.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=graceful_timeout,
        )
