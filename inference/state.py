"""What the service holds while it runs, opened by the lifespan and handed to routes.

``model`` is replaced whole by the hot swap (one attribute assignment, atomic for every
reader); a request reads it once, so a request in flight finishes on the model it started
with while the next one gets the new version.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from inference.model import LoadedModel
from inference.online_features import OnlineFeatureReader
from inference.rollout_models import RolloutModels

if TYPE_CHECKING:
    from inference.feature_services import ServiceReaders


@dataclass
class SwapFailure:
    version: str
    error: str
    at: str


@dataclass
class SwapStatus:
    """What the model watcher last did, for the admin status endpoint and the logs."""

    last_check_at: str | None = None
    last_check_error: str | None = None
    last_swap_at: str | None = None
    previous_version: str | None = None
    last_failure: SwapFailure | None = None
    swaps: int = 0


@dataclass
class ServingState:
    reader: OnlineFeatureReader
    model: LoadedModel
    swap: SwapStatus = field(default_factory=SwapStatus)
    store: Any = None
    """The Feast FeatureStore the reader was built from (for /get-online-features); None in unit tests."""
    rollout: RolloutModels = field(default_factory=RolloutModels)
    """Canary and shadow candidates during a rollout (replaced whole by the rollout follower)."""
    services: "ServiceReaders | None" = None
    """Readers of each loaded model's own feature service; None (unit tests): every model reads ``reader``."""


async def get_state(request: Request) -> ServingState:
    state: ServingState = request.app.state.serving
    return state


StateDep = Annotated[ServingState, Depends(get_state)]
