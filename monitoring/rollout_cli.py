"""``mlops rollout status`` and ``analyze``: the registry's rollout state joined with what was served."""

from typing import Annotated

import typer

from core.names import MODEL_NAME

NameOpt = Annotated[str, typer.Option("--name", help="Registered model name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def status_command(name: NameOpt = MODEL_NAME, as_json: JsonOpt = False) -> None:
    """The variants and the canary weight (more: requests, metrics and the verdict, from the prediction log)."""
    from registry.rollout_cli import run_rollouts
    from registry.views import print_json

    state = run_rollouts(lambda rollouts: rollouts.state(name))
    if as_json:
        print_json(state.as_dict())
        return
    if state.mode is None:
        typer.echo(f"{name}: no rollout; production is version {state.production}")
        return
    share = f"{state.weight:g}% of customers" if state.mode == "canary" else "shadow (every request)"
    typer.echo(
        f"{name}: production version {state.production}, {state.mode} version {state.candidate} "
        f"({share}) since {state.started_at}"
    )
