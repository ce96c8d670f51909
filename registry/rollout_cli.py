"""``mlops rollout``: start a canary or shadow, read its state, promote it or abort it.

``analyze`` (which needs the prediction log) and the per-variant traffic in ``status`` are
added by the monitoring layer (``monitoring/rollout_cli.py``); this module owns the registry
side of the lifecycle so it stays usable without anything above it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from core.names import MODEL_NAME

if TYPE_CHECKING:
    from registry.audit import Transition
    from registry.rollout import Rollouts

app = typer.Typer(help="Canary and shadow rollouts over MLflow aliases, with an audit log.", no_args_is_help=True)

T = TypeVar("T")
NameOpt = Annotated[str, typer.Option("--name", help="Registered model name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
ReasonOpt = Annotated[str, typer.Option(help="Why: recorded in the audit log.")]


def run_rollouts(action: "Callable[[Rollouts], T]") -> T:
    """Open the registry and run ``action`` (errors become one ``error:`` line, as in `mlops registry`)."""
    from registry.cli import _run
    from registry.rollout import Rollouts

    return _run(lambda lifecycle: action(Rollouts(lifecycle)))


def report(transition: "Transition", name: str, as_json: bool) -> None:
    from registry.views import print_json

    if as_json:
        print_json({"name": name, **transition.as_dict()})
        return
    typer.echo(
        f"{name} {transition.action} {transition.stage}: version {transition.from_version} -> "
        f"version {transition.to_version} ({transition.reason})"
    )


@app.command()
def start(
    version: Annotated[str, typer.Option("--version", help="Label (v2.3) or MLflow version number.")],
    canary: Annotated[float | None, typer.Option("--canary", help="Percent of customers the version serves.")] = None,
    shadow: Annotated[bool, typer.Option("--shadow", help="Score every request off the response path.")] = False,
    policy: Annotated[
        str | None, typer.Option(help="Analysis policy file (JSON); default: the `rollout` section of pipeline.json.")
    ] = None,
    name: NameOpt = MODEL_NAME,
    reason: ReasonOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Record a version as canary for a share of customers (--canary PCT) or as shadow (--shadow).

    The service does not route to the candidate yet (see docs/training-and-registry.md).
    """
    from registry.rollout_policy import load_policy

    loaded = load_policy(policy)
    transition = run_rollouts(
        lambda rollouts: rollouts.start(
            name, version, canary_percent=canary, shadow=shadow, policy=loaded, reason=reason
        )
    )
    report(transition, name, as_json)


@app.command()
def promote(name: NameOpt = MODEL_NAME, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """The canary (or shadow) becomes production; the previous production is archived."""
    report(run_rollouts(lambda rollouts: rollouts.promote(name, reason=reason)), name, as_json)


@app.command()
def abort(name: NameOpt = MODEL_NAME, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Remove the canary or shadow alias and the rollout tags."""
    report(run_rollouts(lambda rollouts: rollouts.abort(name, reason=reason)), name, as_json)
