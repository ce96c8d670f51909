"""Following the registry alias: load and warm a new version beside the old, then swap.

The service polls the alias (and ``POST /admin/reload`` asks for a check at once). A new
version is loaded, checked against the feature service and scored on a few rows in a
worker thread while the old model keeps answering; only a version that passed all of that
replaces ``state.model``. A version that failed is remembered and not retried by the poller
(every few seconds would mean reloading a broken artifact forever); an explicit reload
retries it, and a later promotion of another version is picked up as usual.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from core.names import PRODUCTION
from inference.model import (
    LoadedModel,
    ModelIncompatibleError,
    ModelUnavailableError,
    check_compatible,
    load_model_version,
)
from inference.rollout_follower import RolloutFollower
from inference.settings import ServiceSettings
from inference.state import ServingState, SwapFailure
from registry.client import open_client

logger = logging.getLogger("inference")


class WarmUpError(RuntimeError):
    """The model loaded but could not score the warm-up rows sensibly."""


class RegistryUnavailableError(RuntimeError):
    """The alias could not be read: the registry is down or the alias is gone."""


@dataclass(frozen=True)
class SwapOutcome:
    result: str
    """unchanged, swapped, failed, or skipped (a version that already failed)"""
    serving: str
    candidate: str | None = None
    error: str | None = None
    rollout: dict[str, Any] | None = None
    """The canary and shadow this worker holds after the check (None when it follows no rollout)."""


def warm_up(model: LoadedModel) -> None:
    """Score all-missing, all-zero and all-one rows: catches wrong shapes and broken boosters early.

    It also pays the first-call costs (lazy allocations inside LightGBM) before live traffic does.
    """
    width = len(model.features)
    rows = np.vstack([np.full(width, np.nan), np.zeros(width), np.ones(width)])
    try:
        scores = model.predict(rows)
    except Exception as error:  # LightGBM raises its own error types; any of them disqualifies the model
        raise WarmUpError(f"{model.name} version {model.version} failed its warm-up: {error}") from error
    if scores.shape != (3,) or not np.all(np.isfinite(scores)) or np.any((scores < 0) | (scores > 1)):
        raise WarmUpError(f"{model.name} version {model.version} scored warm-up rows as {scores.tolist()}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class ModelWatcher:
    def __init__(self, state: ServingState, settings: ServiceSettings) -> None:
        self.state = state
        self.settings = settings
        self._client = open_client(settings.mlflow_tracking_uri, probe_first=False)
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        # Rollouts are relative to production: a service following another alias routes to no candidate.
        self.rollout = (
            RolloutFollower(state, self._client, settings.model_name) if settings.model_alias == PRODUCTION else None
        )

    def start_polling(self) -> None:
        interval = self.settings.model_poll_interval_seconds
        if interval > 0:
            self._poller = asyncio.create_task(self.poll_forever(interval), name="model-watcher")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller

    def _alias_version(self) -> ModelVersion:
        try:
            return self._client.get_model_version_by_alias(self.settings.model_name, self.settings.model_alias)
        except MlflowException as error:
            raise RegistryUnavailableError(str(error).splitlines()[0][:300]) from error

    def _load_and_warm(self, version: ModelVersion) -> LoadedModel:
        candidate = load_model_version(self.settings.mlflow_tracking_uri, version, self.settings.feature_service)
        if self.state.services is not None:
            self.state.services.resolve(candidate)  # its own feature service, which must be in the registry
        else:
            check_compatible(candidate, self.settings.feature_service, self.state.reader.feature_names)
        warm_up(candidate)
        return candidate

    async def check(self, *, retry_failed: bool = False) -> SwapOutcome:
        """Follow the production alias, then the rollout aliases (canary, shadow) if any."""
        async with self._lock:
            outcome = await self._check_production(retry_failed)
            if self.rollout is None:
                return outcome
            held = await self.rollout.check(self._load_and_warm, retry_failed=retry_failed)
            return SwapOutcome(outcome.result, outcome.serving, outcome.candidate, outcome.error, held)

    async def follow_rollout(self) -> None:
        """At start-up: load the candidates of a running rollout before the first request."""
        if self.rollout is not None:
            async with self._lock:
                await self.rollout.check(self._load_and_warm)

    async def _check_production(self, retry_failed: bool) -> SwapOutcome:
        """Swap to the version the alias names if it differs and loads, checks and warms cleanly."""
        status = self.state.swap
        status.last_check_at = _now()
        try:
            version = await asyncio.to_thread(self._alias_version)
        except RegistryUnavailableError as error:
            status.last_check_error = str(error)
            raise
        status.last_check_error = None
        wanted = str(version.version)
        serving = self.state.model.version
        if wanted == serving:
            return SwapOutcome("unchanged", serving)
        failed = status.last_failure
        if failed is not None and failed.version == wanted and not retry_failed:
            return SwapOutcome("skipped", serving, wanted, failed.error)
        try:
            reused = self.state.rollout.loaded(wanted)  # a promoted canary is already warm
            candidate = reused if reused is not None else await asyncio.to_thread(self._load_and_warm, version)
        except (ModelUnavailableError, ModelIncompatibleError, WarmUpError) as error:
            status.last_failure = SwapFailure(version=wanted, error=str(error), at=_now())
            logger.error("not swapping to version %s, still serving %s: %s", wanted, serving, error)
            return SwapOutcome("failed", serving, wanted, str(error))
        self.state.model = candidate
        status.previous_version, status.last_swap_at, status.swaps = serving, _now(), status.swaps + 1
        if failed is not None and failed.version == wanted:
            status.last_failure = None
        logger.warning("swapped %s version %s -> %s", candidate.name, serving, candidate.version)
        return SwapOutcome("swapped", candidate.version, wanted)

    async def poll_forever(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check()
            except RegistryUnavailableError as error:
                logger.warning("model registry check failed, still serving %s: %s", self.state.model.version, error)
            except Exception:  # the poller must outlive any one bad check
                logger.exception("model watcher check failed")
