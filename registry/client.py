"""The one MLflow client factory: every registry reader and writer opens its client here.

MLflow's REST client retries a refused connection with exponential back-off for tens of
seconds before it gives up; a registry command should say "unreachable" in a few seconds
instead, so HTTP backends are probed once up front and MLflow's own retries are bounded.
Training, serving, monitoring and the pipeline all call :func:`open_client`, so the bounds
and the tracking/registry URI pairing hold everywhere.
"""

import httpx
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from core.paths import mlflow_tracking_uri
from core.settings import set_library_default
from registry.errors import RegistryError

PROBE_TIMEOUT_SECONDS = 3.0


def probe(tracking_uri: str) -> None:
    """Raise RegistryError if an HTTP tracking server does not answer at all (any HTTP status counts)."""
    if not tracking_uri.startswith(("http://", "https://")):
        return
    try:
        httpx.get(f"{tracking_uri.rstrip('/')}/health", timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise RegistryError(f"MLflow backend at {tracking_uri} is unreachable ({type(error).__name__})") from error


def open_client(tracking_uri: str | None = None, *, probe_first: bool = True) -> MlflowClient:
    """A client for ``tracking_uri`` (default: the configured backend) with bounded retries.

    ``probe_first`` fails fast on an unreachable HTTP server; the service's watcher turns it
    off, since it runs while serving and treats an unreachable registry as "keep the model".
    """
    uri = tracking_uri or mlflow_tracking_uri()
    set_library_default("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    set_library_default("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    if probe_first:
        probe(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def describe(error: MlflowException, tracking_uri: str) -> str:
    """One line for an MLflow failure that is not one of the expected 'not found' cases."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "API request to" in first_line or "Max retries" in first_line:
        return f"MLflow backend at {tracking_uri} is unreachable: {first_line[:200]}"
    return f"MLflow registry error: {first_line[:300]}"


def is_not_found(error: MlflowException) -> bool:
    return bool(error.error_code == "RESOURCE_DOES_NOT_EXIST")
