"""Entry point: mounts one command group per stage of the model's life."""

import typer

from inference.cli import serve_command
from materialization.cli import app as materialize_app
from stack.cli import app as stack_app
from training.cli import train_command
from upstream.cli import app as data_app

app = typer.Typer(
    help="Feast-centred feature store and online inference for fraud scoring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(stack_app, name="stack")
app.add_typer(data_app, name="data")
app.add_typer(materialize_app, name="materialize")
app.command("train")(train_command)
app.command("serve")(serve_command)
