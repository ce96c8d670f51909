"""The audit log of registry transitions, kept as tags on the registered model.

MLflow keeps no alias history: once ``production`` moves, nothing says where it was. Each
transition is therefore written as one tag (``audit.<UTC time>.<nonce>`` -> JSON) on the
registered model itself, so the log lives in the same backend as the aliases it explains,
travels with it to a remote tracking server, and shows in MLflow's UI. Transitions are
rare (a few a day), so a tag each stays far below any practical limit.
"""

import getpass
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.settings import ProjectSettings
from registry.contract import AUDIT_TAG_PREFIX

if TYPE_CHECKING:  # the REST reader reads the log without importing MLflow
    from mlflow.tracking import MlflowClient

MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class Transition:
    """One move of a stage alias: who moved it, when, from which version to which, and why."""

    at: str
    actor: str
    action: str
    """register, promote, rollback, archive"""
    stage: str
    from_version: str | None
    to_version: str | None
    reason: str

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def current_actor() -> str:
    """``MLOPS_ACTOR`` (set it in CI or a scheduler) or the login name of the process."""
    configured = ProjectSettings().actor
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def new_transition(
    action: str, stage: str, from_version: str | None, to_version: str | None, reason: str
) -> Transition:
    return Transition(
        at=datetime.now(UTC).isoformat(timespec="microseconds"),
        actor=current_actor(),
        action=action,
        stage=stage,
        from_version=from_version,
        to_version=to_version,
        reason=reason[:MAX_REASON_CHARS],
    )


def append(client: "MlflowClient", model_name: str, transition: Transition) -> None:
    # The nonce keeps two transitions written in the same microsecond from overwriting each other.
    stamp = transition.at.replace("-", "").replace(":", "").replace("+0000", "Z")
    key = f"{AUDIT_TAG_PREFIX}{stamp}.{secrets.token_hex(3)}"
    client.set_registered_model_tag(model_name, key, json.dumps(transition.as_dict(), sort_keys=True))


def read(tags: dict[str, str]) -> list[Transition]:
    """Transitions recorded in a registered model's tags, oldest first; unreadable entries are skipped."""
    transitions: list[Transition] = []
    for key in sorted(tag for tag in tags if tag.startswith(AUDIT_TAG_PREFIX)):
        try:
            transitions.append(Transition(**json.loads(tags[key])))
        except (TypeError, ValueError):
            continue
    return sorted(transitions, key=lambda transition: transition.at)
