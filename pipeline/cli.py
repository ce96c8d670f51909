"""``mlops pipeline``: validate and run the declarative training pipeline, and export its schema.

Heavy imports (Feast, MLflow, LightGBM) stay inside the commands that need them, so
`validate --no-resolve` and `schema` answer quickly enough for an editor hook or CI.
"""

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import UserError
from core.root import REPO_ROOT

if TYPE_CHECKING:
    from pipeline.definition import PipelineDefinition
    from pipeline.findings import Finding
    from pipeline.runner import RunState

app = typer.Typer(
    help="The declarative training pipeline (pipeline.json): validate, run, and its JSON Schema.",
    no_args_is_help=True,
)

PipelineOpt = Annotated[Path, typer.Option("--pipeline", help="Pipeline file (JSON, or YAML).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DEFAULT_PIPELINE = REPO_ROOT / "pipeline.json"


def _print_json(payload: object) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=True))


def _check(path: Path, *, resolve: bool) -> "tuple[object, list[Finding]]":
    """The parsed document and its findings; a file that does not parse is one finding, not a crash."""
    from core.paths import mlflow_tracking_uri
    from pipeline.definition import PipelineFileError, read_document
    from pipeline.findings import ERROR, Finding, References
    from pipeline.validator import validate_document

    try:
        document = read_document(path)
    except PipelineFileError as error:
        return None, [Finding("PARSE_ERROR", ERROR, "$", str(error), "fix the syntax")]
    references: References | None = None
    if resolve:  # Feast and MLflow are slow to import; only resolving needs them
        from pipeline.references import LiveReferences

        references = LiveReferences(mlflow_tracking_uri())
    return document, validate_document(document, references)


@app.command()
def validate(
    pipeline: PipelineOpt = DEFAULT_PIPELINE,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    resolve: Annotated[bool, typer.Option(help="Resolve names in the Feast and MLflow registries.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Check a pipeline's structure, conventions and references without running anything."""
    from core.tables import render_table
    from pipeline.findings import errors

    _, findings = _check(pipeline, resolve=resolve)
    failing = errors(findings, strict)
    if as_json:
        _print_json({"pipeline": str(pipeline), "valid": not failing, "findings": [f.as_dict() for f in findings]})
    else:
        if findings:
            rows = [(f.code, f.severity, f.location, f.message, f.hint) for f in findings]
            typer.echo(render_table(("code", "severity", "location", "message", "fix"), rows))
        mode = ", strict" if strict else ""
        typer.echo(f"{pipeline}: {'invalid' if failing else 'valid'} ({len(findings)} finding(s){mode})")
    if failing:
        raise typer.Exit(1)


@app.command()
def run(pipeline: PipelineOpt = DEFAULT_PIPELINE, as_json: JsonOpt = False) -> None:
    """Validate, then run every stage; a failed gate or bad data stops it and leaves production as it was."""
    from pipeline.findings import errors
    from pipeline.validator import definition

    document, findings = _check(pipeline, resolve=False)
    failing = errors(findings, strict=False)
    if failing:
        first = failing[0]
        raise UserError(
            f"{pipeline} is invalid: {first.code} at {first.location}: {first.message} (see `mlops pipeline validate`)"
        )
    spec = definition(document)
    state = _execute(spec, partial(typer.echo, err=as_json))  # with --json, stdout carries only the result
    if as_json:
        _print_json(_run_report(pipeline, spec, state))
    elif state.registered is not None:
        typer.echo(f"done: {spec.model} version {state.registered.version}, deployed to {state.deployed or 'nothing'}")


def _execute(spec: "PipelineDefinition", say: Callable[[str], None]) -> "RunState":
    """Run the stages, turning every failure a user can act on into one ``UserError``."""
    from mlflow.exceptions import MlflowException

    from core.feature_store import open_store, require_applied
    from core.paths import ProjectPaths, mlflow_tracking_uri
    from pipeline.runner import GateFailedError, PipelineRunner
    from training.data_checks import DataValidationError

    try:
        store = open_store()
        require_applied(store, spec.feature_service)
        runner = PipelineRunner(spec, store, mlflow_tracking_uri(), ProjectPaths.from_env().transactions, progress=say)
        return runner.run()
    except DataValidationError as error:
        for problem in error.problems:
            say(f"  {problem.column}: {problem.problem}")
        raise UserError(
            f"validate stage stopped the run: {len(error.problems)} problem(s) in the training data"
        ) from error
    except GateFailedError as error:
        raise UserError(f"{error}; production unchanged") from error
    except (UserError, FileNotFoundError, ValueError, RuntimeError, MlflowException) as error:
        raise UserError(str(error).splitlines()[0]) from error


def _run_report(pipeline: Path, spec: "PipelineDefinition", state: "RunState") -> dict[str, object]:
    """What a scheduler needs to record about a finished run: which version, its gate, where it went."""
    verdict = state.verdict
    return {
        "pipeline": str(pipeline),
        "model": spec.model,
        "version": state.registered.version if state.registered else None,
        "deployed": state.deployed,
        "metrics": state.metrics.as_dict() if state.metrics else None,
        "gate": {"metric": verdict.gate.metric, "threshold": verdict.gate.threshold, "value": verdict.value}
        if verdict
        else None,
    }


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--output", help="Write the schema to this file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the pipeline file's JSON Schema, for editors and for CI (e.g. `check-jsonschema --schemafile`)."""
    from pipeline.definition import pipeline_schema

    text = json.dumps(pipeline_schema(), indent=2) + "\n"  # key order kept: it follows the file's own
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text)
    except OSError as error:
        raise UserError(f"cannot write {output}: {error.strerror or error}") from error
    if as_json:
        _print_json({"output": str(output), "bytes": len(text.encode())})
    else:
        typer.echo(f"{output}: JSON Schema of the pipeline file written")
