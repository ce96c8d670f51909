"""``mlops pipeline``: validate and run the declarative training pipeline."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlops.console import CommandError, fail, info
from mlops.project import REPO_ROOT

if TYPE_CHECKING:
    from training.pipeline_findings import Finding

app = typer.Typer(help="The declarative training pipeline (pipeline.json): validate and run.", no_args_is_help=True)

PipelineOpt = Annotated[Path, typer.Option("--pipeline", help="Pipeline file (JSON, or YAML).")]
DEFAULT_PIPELINE = REPO_ROOT / "pipeline.json"


def _check(path: Path, *, strict: bool, resolve: bool) -> "tuple[dict[str, object] | None, list[Finding]]":
    from mlops.project import mlflow_tracking_uri
    from training.pipeline_definition import PipelineFileError, read_document
    from training.pipeline_findings import ERROR, Finding, References
    from training.pipeline_validator import validate_document

    try:
        document = read_document(path)
    except PipelineFileError as error:
        return None, [Finding("PARSE_ERROR", ERROR, "$", str(error), "fix the syntax")]
    references: References | None = None
    if resolve:  # Feast and MLflow are slow to import; only resolving needs them
        from training.pipeline_references import LiveReferences

        references = LiveReferences(mlflow_tracking_uri())
    findings = validate_document(document, references)
    return (document if isinstance(document, dict) else None), findings


@app.command()
def validate(
    pipeline: PipelineOpt = DEFAULT_PIPELINE,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    resolve: Annotated[bool, typer.Option(help="Resolve names in the Feast and MLflow registries.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check a pipeline's structure, conventions and references without running anything."""
    from training.pipeline_findings import errors
    from training.registry_views import print_json, print_table

    _, findings = _check(pipeline, strict=strict, resolve=resolve)
    failing = errors(findings, strict)
    if as_json:
        print_json({"pipeline": str(pipeline), "valid": not failing, "findings": [f.as_dict() for f in findings]})
    elif findings:
        print_table(
            ("code", "severity", "location", "message", "fix"),
            [(f.code, f.severity, f.location, f.message, f.hint) for f in findings],
        )
    if not as_json:
        mode = ", strict" if strict else ""
        info(f"{pipeline}: {'invalid' if failing else 'valid'} ({len(findings)} finding(s){mode})")
    if failing:
        raise typer.Exit(1)


@app.command()
def run(pipeline: PipelineOpt = DEFAULT_PIPELINE) -> None:
    """Validate, then run every stage; a failed gate or bad data stops it and leaves production as it was."""
    from mlops.project import ProjectPaths, mlflow_tracking_uri
    from training.pipeline_findings import errors
    from training.pipeline_validator import definition

    document, findings = _check(pipeline, strict=False, resolve=False)
    failing = errors(findings, strict=False)
    if failing or document is None:
        first = failing[0]
        fail(
            f"{pipeline} is invalid: {first.code} at {first.location}: {first.message} (see `mlops pipeline validate`)"
        )
    from mlflow.exceptions import MlflowException

    from mlops.feature_store import open_store, require_applied
    from training.data_checks import DataValidationError
    from training.pipeline_runner import GateFailedError, PipelineRunner

    spec = definition(document)
    try:
        store = open_store()
        require_applied(store, spec.feature_service)
        runner = PipelineRunner(spec, store, mlflow_tracking_uri(), ProjectPaths.from_env().transactions, progress=info)
        state = runner.run()
    except DataValidationError as error:
        for problem in error.problems:
            info(f"  {problem.column}: {problem.problem}")
        fail(f"validate stage stopped the run: {len(error.problems)} problem(s) in the training data")
    except GateFailedError as error:
        fail(f"{error}; production unchanged")
    except (CommandError, FileNotFoundError, ValueError, RuntimeError, MlflowException) as error:
        fail(str(error).splitlines()[0])
    if state.registered is not None:
        info(f"done: {spec.model} version {state.registered.version}, deployed to {state.deployed or 'nothing'}")
