"""The candidate models a worker holds during a rollout, beside the production model.

Replaced whole by the rollout follower (one attribute assignment on ``ServingState``), so a
request that reads ``state.rollout`` once sees one consistent canary, weight and shadow.
"""

from dataclasses import dataclass

from inference.model import LoadedModel


@dataclass(frozen=True)
class RolloutModels:
    canary: LoadedModel | None = None
    weight: float = 0.0
    """Percent of customers the canary answers."""
    shadow: LoadedModel | None = None

    def loaded(self, version: str) -> LoadedModel | None:
        """A candidate already loaded and warmed as ``version`` (a promotion reuses it)."""
        for model in (self.canary, self.shadow):
            if model is not None and model.version == version:
                return model
        return None

    def describe(self) -> dict[str, str | float | None]:
        return {
            "canary_version": self.canary.version if self.canary else None,
            "canary_weight": self.weight if self.canary else 0.0,
            "shadow_version": self.shadow.version if self.shadow else None,
        }
