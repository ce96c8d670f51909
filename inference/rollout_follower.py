"""Following the rollout aliases (``canary``, ``shadow``) the way the hot swap follows production.

The registry is the one source of truth: each check reads the registered model's aliases and
tags (one call), loads, checks and warms a candidate it does not hold yet in a worker thread,
and then replaces ``state.rollout`` whole. A candidate that fails to load or warm up is
remembered and not retried by the poller (an explicit ``/admin/reload`` retries it); while it
is failed its customers are answered by production, so a broken candidate never fails a request.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from core.names import CANARY, SHADOW
from inference.model import LoadedModel
from inference.rollout_models import RolloutModels
from inference.state import ServingState, SwapFailure
from registry.rollout import RolloutState, state_from

logger = logging.getLogger("inference")

Loader = Callable[[Any], LoadedModel]
"""Loads, checks and warms one registry version (the hot swap's ``_load_and_warm``)."""


@dataclass
class RolloutStatus:
    last_check_error: str | None = None
    failures: dict[str, SwapFailure] = field(default_factory=dict)
    """mode -> the candidate version that failed to load, and why"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class RolloutFollower:
    def __init__(self, state: ServingState, client: MlflowClient, model_name: str) -> None:
        self.state = state
        self.client = client
        self.model_name = model_name
        self.status = RolloutStatus()

    def _read_state(self) -> RolloutState:
        model = self.client.get_registered_model(self.model_name)
        aliases = {alias: str(version) for alias, version in (model.aliases or {}).items()}
        return state_from(self.model_name, aliases, dict(model.tags or {}))

    async def check(self, load: Loader, *, retry_failed: bool = False) -> dict[str, Any]:
        """Bring ``state.rollout`` in line with the registry; returns what is now held (for /admin)."""
        try:
            wanted = await asyncio.to_thread(self._read_state)
        except MlflowException as error:
            self.status.last_check_error = str(error).splitlines()[0][:300]
            logger.warning("rollout check failed, keeping %s: %s", self.state.rollout.describe(), error)
            return self.describe()
        self.status.last_check_error = None
        held = self.state.rollout
        canary_version = wanted.candidate if wanted.mode == CANARY else None
        shadow_version = wanted.candidate if wanted.mode == SHADOW else None
        canary = await self._model(CANARY, canary_version, held, load, retry_failed)
        shadow = await self._model(SHADOW, shadow_version, held, load, retry_failed)
        updated = RolloutModels(canary=canary, weight=wanted.weight if canary else 0.0, shadow=shadow)
        if updated != held:
            self.state.rollout = updated
            logger.warning("rollout now %s (was %s)", updated.describe(), held.describe())
        return self.describe()

    async def _model(
        self, mode: str, version: str | None, held: RolloutModels, load: Loader, retry_failed: bool
    ) -> LoadedModel | None:
        if version is None:
            self.status.failures.pop(mode, None)
            return None
        if version == self.state.model.version:
            return None  # a candidate equal to production (mid-promotion): nothing to route
        current = held.loaded(version)
        if current is not None:
            return current
        failed = self.status.failures.get(mode)
        if failed is not None and failed.version == version and not retry_failed:
            return None
        try:
            registered = await asyncio.to_thread(self.client.get_model_version, self.model_name, version)
            candidate = await asyncio.to_thread(load, registered)
        except (MlflowException, OSError, RuntimeError) as error:  # the loader's errors are RuntimeErrors
            self.status.failures[mode] = SwapFailure(version=version, error=str(error)[:500], at=_now())
            logger.error("not serving %s version %s: %s", mode, version, error)
            return None
        self.status.failures.pop(mode, None)
        return candidate

    def describe(self) -> dict[str, Any]:
        return {
            **self.state.rollout.describe(),
            "last_check_error": self.status.last_check_error,
            "failures": {mode: asdict(failure) for mode, failure in self.status.failures.items()},
        }
