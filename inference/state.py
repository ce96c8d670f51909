"""What the service holds while it runs, opened by the lifespan and handed to routes."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from inference.model import LoadedModel
from inference.online_features import OnlineFeatureReader


@dataclass
class ServingState:
    reader: OnlineFeatureReader
    model: LoadedModel


async def get_state(request: Request) -> ServingState:
    state: ServingState = request.app.state.serving
    return state


StateDep = Annotated[ServingState, Depends(get_state)]
