"""The CLI root: mounts one command group per stage and reports every ``UserError`` in one place."""

from typing import Any

import typer
from typer.core import TyperGroup

from core.errors import UserError
from inference.batch.cli import app as score_app
from inference.cli import serve_command
from materialization.cli import app as materialize_app
from materialization.freshness_cli import app as freshness_app
from materialization.stream.cli import app as stream_app
from monitoring.cli import app as monitor_app
from monitoring.drift_cli import drift_command
from monitoring.rollout_cli import analyze_command, status_command
from monitoring.validate_cli import validate_command
from pipeline.cli import app as pipeline_app
from pipeline.retrain_cli import retrain_command
from registry.cli import app as registry_app
from registry.rollout_cli import app as rollout_app
from stack.cli import app as stack_app
from training.cli import train_command
from upstream.cli import app as data_app


class ReportingGroup(TyperGroup):
    """Turns a ``UserError`` raised anywhere below into one ``error:`` line and its exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context class is private
        try:
            return super().invoke(ctx)
        except UserError as error:
            typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=ReportingGroup,
    help="Feast-centred feature store and online inference for fraud scoring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(stack_app, name="stack")
app.add_typer(data_app, name="data")
app.add_typer(materialize_app, name="materialize")
app.add_typer(freshness_app, name="freshness")
app.add_typer(stream_app, name="stream")
app.command("train")(train_command)
app.command("serve")(serve_command)
app.add_typer(score_app, name="score")
app.command("drift")(drift_command)
app.command("validate")(validate_command)
app.add_typer(monitor_app, name="monitor")
app.add_typer(registry_app, name="registry")
app.add_typer(pipeline_app, name="pipeline")
app.command("retrain")(retrain_command)
rollout_app.command("status")(status_command)
rollout_app.command("analyze")(analyze_command)
app.add_typer(rollout_app, name="rollout")
