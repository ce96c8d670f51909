"""Read-only registry access over an MLflow tracking server's REST API, without importing MLflow.

``import mlflow`` alone takes ~3.5 s on a 2-core machine, which made ``mlops registry list``
a 5-second command. Against a tracking server (``MLFLOW_TRACKING_URI=http(s)://...``) the
same rows need only two kinds of GET: one search for the registered models (their tags hold
the audit log, their aliases the stages) and one version search per model. This reader does
those with httpx and builds the same ``VersionView`` and ``Transition`` values the lifecycle
builds, so the command prints the same thing on either path; writes and SQLite or PostgreSQL
backends still go through MLflow's client (its store is the only reader of that schema).

It honours MLflow's own client variables for a secured server: ``MLFLOW_TRACKING_USERNAME``
and ``MLFLOW_TRACKING_PASSWORD`` (basic auth), ``MLFLOW_TRACKING_TOKEN`` (bearer),
``MLFLOW_TRACKING_INSECURE_TLS`` and ``MLFLOW_TRACKING_SERVER_CERT_PATH``.
"""

from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry import audit
from registry.audit import Transition
from registry.errors import RegistryError
from registry.version_view import VersionView, check_name, version_view

API = "/api/2.0/mlflow"
PROMPT_TAG = "mlflow.prompt.is_prompt"
"""MLflow 3 keeps prompts as registered models with this tag; its client leaves them out of model searches."""
MODELS_PAGE = 1000
VERSIONS_PAGE = 10_000
TIMEOUT_SECONDS = 10.0


class TrackingClientSettings(BaseSettings):
    """MLflow's client-side variables for reaching a tracking server (the names MLflow reads)."""

    model_config = SettingsConfigDict(env_prefix="MLFLOW_TRACKING_", extra="ignore")

    username: str | None = Field(default=None, description="Basic-auth user for a secured tracking server.")
    password: str | None = Field(default=None, description="Basic-auth password (with the user above).")
    token: str | None = Field(default=None, description="Bearer token, sent instead of basic auth when set.")
    insecure_tls: bool = Field(default=False, description="Skip TLS certificate verification (test servers only).")
    server_cert_path: str | None = Field(default=None, description="CA bundle that signs the server's certificate.")


def is_rest_uri(tracking_uri: str) -> bool:
    return tracking_uri.startswith(("http://", "https://"))


def _tags(entity: dict[str, Any]) -> dict[str, str]:
    return {str(tag["key"]): str(tag.get("value", "")) for tag in entity.get("tags", [])}


class RestRegistry:
    """The reading half of ``registry.lifecycle.Lifecycle`` (model names, versions, history) over HTTP."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri.rstrip("/")
        settings = TrackingClientSettings()
        headers = {"Authorization": f"Bearer {settings.token}"} if settings.token else {}
        auth = (settings.username, settings.password or "") if settings.username else None
        verify: bool | str = False if settings.insecure_tls else (settings.server_cert_path or True)
        self._http = httpx.Client(
            base_url=self.tracking_uri + API, headers=headers, auth=auth, verify=verify, timeout=TIMEOUT_SECONDS
        )
        self._models: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> "RestRegistry":
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, str | int]) -> dict[str, Any]:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as error:
            raise RegistryError(
                f"MLflow backend at {self.tracking_uri} is unreachable ({type(error).__name__})"
            ) from error
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        if response.status_code == 404 and body.get("error_code") == "RESOURCE_DOES_NOT_EXIST":
            raise RegistryError(f"no registered model named {params.get('name')!r}: see `mlops registry list`")
        if response.is_error:
            detail = str(body.get("message") or response.text)[:300].splitlines() or [""]
            raise RegistryError(f"MLflow registry error: HTTP {response.status_code} {detail[0]}")
        return body

    def _pages(self, path: str, key: str, params: dict[str, str | int]) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            body = self._get(path, {**params, **({"page_token": token} if token else {})})
            yield from body.get(key, [])
            token = str(body.get("next_page_token") or "")
            if not token:
                return

    def model_names(self) -> list[str]:
        """Every registered model that is not a prompt; each is kept for ``history`` and ``versions``."""
        search: dict[str, str | int] = {"filter": f"tag.`{PROMPT_TAG}` != 'true'", "max_results": MODELS_PAGE}
        for model in self._pages("/registered-models/search", "registered_models", search):
            self._models[str(model["name"])] = model
        return sorted(self._models)

    def _model(self, name: str) -> dict[str, Any]:
        check_name("model name", name)
        if name not in self._models:
            model: dict[str, Any] = self._get("/registered-models/get", {"name": name}).get("registered_model", {})
            self._models[name] = model
        return self._models[name]

    def history(self, name: str) -> list[Transition]:
        return audit.read(_tags(self._model(name)))

    def versions(self, name: str) -> list[VersionView]:
        """Every version of ``name``, newest first, with the aliases the registered model gives it."""
        by_version: dict[str, list[str]] = {}
        for alias in self._model(name).get("aliases", []):
            by_version.setdefault(str(alias["version"]), []).append(str(alias["alias"]))
        search: dict[str, str | int] = {"filter": f"name='{name}'", "max_results": VERSIONS_PAGE}
        views = [
            version_view(
                name=str(found["name"]),
                version=str(found["version"]),
                tags=_tags(found),
                aliases=tuple(sorted(by_version.get(str(found["version"]), []))),
                creation_timestamp_ms=int(found.get("creation_timestamp") or 0),
                run_id=found.get("run_id") or None,
            )
            for found in self._pages("/model-versions/search", "model_versions", search)
        ]
        return sorted(views, key=lambda item: int(item.version), reverse=True)
