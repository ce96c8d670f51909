"""``mlops registry``: register, promote, list, compare, roll back, and read the audit log."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, Protocol, TypeVar

import typer

from core.errors import UserError

if TYPE_CHECKING:
    from registry.audit import Transition
    from registry.lifecycle import Lifecycle
    from registry.version_view import VersionView

app = typer.Typer(help="Model registry lifecycle over MLflow aliases, with an audit log.", no_args_is_help=True)

T = TypeVar("T")
NameOpt = Annotated[str, typer.Option("--name", help="Registered model name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
ReasonOpt = Annotated[str, typer.Option(help="Why: recorded in the audit log.")]
Stage = Literal["production", "staging"]
"""core.names.STAGES: the aliases a user may promote to, typed so ``--help`` lists them."""
Alias = Literal["production", "staging", "archived"]
"""A stage, or ARCHIVED: what the previous production version holds."""


def _run(action: "Callable[[Lifecycle], T]") -> T:
    """Open the registry and run ``action``; any failure becomes one `error:` line and exit 1."""
    from mlflow.exceptions import MlflowException

    from core.paths import mlflow_tracking_uri
    from registry.client import describe, open_client
    from registry.lifecycle import Lifecycle

    uri = mlflow_tracking_uri()
    try:
        return action(Lifecycle(open_client(uri)))
    except MlflowException as error:
        raise UserError(describe(error, uri)) from error
    except OSError as error:
        raise UserError(f"MLflow backend at {uri} is unreachable: {error}") from error


@app.command()
def register(
    name: NameOpt,
    version: Annotated[str, typer.Option("--version", help="Human version label, e.g. v2.3.")],
    metrics: Annotated[str, typer.Option(help="Metrics as a JSON object, e.g. '{\"auc\": 0.95}'.")] = "{}",
    params: Annotated[str, typer.Option(help="Parameters as a JSON object.")] = "{}",
    model_uri: Annotated[
        str | None,
        typer.Option(help="Model to register (runs:/..., models:/...); default: label the newest unlabelled version."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a model version under a label with its metrics and parameters."""
    from core.paths import mlflow_tracking_uri
    from registry.version_labels import parse_metrics, parse_params
    from registry.version_labels import register as register_version
    from registry.views import print_json, print_versions, version_json

    parsed_metrics, parsed_params = parse_metrics(metrics), parse_params(params)
    uri = mlflow_tracking_uri()
    registered = _run(
        lambda lifecycle: register_version(
            lifecycle,
            name=name,
            label=version,
            metrics=parsed_metrics,
            params=parsed_params,
            model_uri=model_uri,
            tracking_uri=uri,
        )
    )
    if as_json:
        print_json(version_json(registered))
    else:
        print_versions([(registered, None)])


@app.command()
def promote(
    name: NameOpt,
    version: Annotated[str, typer.Option("--version", help="Label (v2.3) or MLflow version number.")],
    stage: Annotated[Stage, typer.Option(help="Alias to point at the version.")] = "production",
    force: Annotated[
        bool, typer.Option(help="Promote even though the version failed its gate (needs --reason).")
    ] = False,
    reason: ReasonOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Point a stage alias at a version; promoting to production archives the previous one."""
    transition = _run(lambda lifecycle: lifecycle.promote(name, version, stage, force=force, reason=reason))
    _report(name, transition, as_json)


@app.command()
def rollback(name: NameOpt, reason: ReasonOpt = "", as_json: JsonOpt = False) -> None:
    """Move production back to the version it replaced; the service follows within its poll interval."""
    transition = _run(lambda lifecycle: lifecycle.rollback(name, reason=reason))
    _report(name, transition, as_json)


def _report(name: str, transition: "Transition", as_json: bool) -> None:
    from registry.views import print_json

    if as_json:
        print_json({"name": name, **transition.as_dict()})
        return
    moved_from = f"version {transition.from_version}" if transition.from_version else "nothing"
    typer.echo(f"{name} {transition.stage}: {moved_from} -> version {transition.to_version} ({transition.action})")


class _Reader(Protocol):
    """What listing needs: ``Lifecycle`` (MLflow's client) and ``RestRegistry`` (plain HTTP) both have it."""

    def model_names(self) -> list[str]: ...
    def history(self, name: str) -> "list[Transition]": ...
    def versions(self, name: str) -> "list[VersionView]": ...


def _rows(reader: _Reader, name: str | None, stage: str | None) -> "list[tuple[VersionView, Transition | None]]":
    rows: list[tuple[VersionView, Transition | None]] = []
    for model_name in [name] if name else reader.model_names():
        history = reader.history(model_name)
        for version in reader.versions(model_name):
            if stage is None or stage in version.aliases:
                last = next((t for t in reversed(history) if t.to_version == version.version), None)
                rows.append((version, last))
    return rows


@app.command("list")
def list_versions(
    name: Annotated[str | None, typer.Option("--name", help="Only this model.")] = None,
    stage: Annotated[Alias | None, typer.Option(help="Only versions holding this alias.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Versions with their label, aliases, gate, metrics and last audited transition.

    Against a tracking server this reads the REST API directly (registry.rest_reader): no
    MLflow import, so the command answers in well under a second instead of ~5 s.
    """
    from core.paths import mlflow_tracking_uri
    from registry.rest_reader import RestRegistry, is_rest_uri
    from registry.views import print_json, print_versions, version_json

    uri = mlflow_tracking_uri()
    if is_rest_uri(uri):
        with RestRegistry(uri) as reader:
            rows = _rows(reader, name, stage)
    else:
        rows = _run(lambda lifecycle: _rows(lifecycle, name, stage))
    if as_json:
        print_json([version_json(version, last) for version, last in rows])
    elif rows:
        print_versions(rows)
    else:
        typer.echo("no versions" + (f" with alias {stage}" if stage else ""))


@app.command()
def compare(
    name: NameOpt,
    versions: Annotated[tuple[str, str], typer.Option("--versions", help="Two labels or version numbers.")],
    as_json: JsonOpt = False,
) -> None:
    """Metric and parameter deltas of two versions side by side, and which is better per metric."""
    from registry.comparison import compare_metrics, compare_params
    from registry.views import comparison_json, print_comparison, print_json

    first, second = _run(
        lambda lifecycle: tuple(lifecycle.with_run_details(lifecycle.resolve(name, ref)) for ref in versions)
    )
    metrics, params = compare_metrics(first, second), compare_params(first, second)
    if as_json:
        print_json(comparison_json(first, second, metrics, params))
    else:
        print_comparison(first, second, metrics, params)


@app.command()
def history(name: NameOpt, as_json: JsonOpt = False) -> None:
    """Every audited transition of a model, oldest first (MLflow itself keeps no alias history)."""
    from registry.views import print_history, print_json

    transitions = _run(lambda lifecycle: lifecycle.history(name))
    if as_json:
        print_json([transition.as_dict() for transition in transitions])
    elif transitions:
        print_history(name, transitions)
    else:
        typer.echo(f"no transitions recorded for {name}")
