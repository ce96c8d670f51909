"""``mlops validate --url URL``: one end-to-end check of a deployment; exit 1 on any failure."""

from typing import Annotated

import typer

from core.names import MODEL_NAME

EXIT_FAILED = 1


def validate_command(
    url: Annotated[str, typer.Option("--url", help="Base URL of the service, e.g. http://127.0.0.1:8000.")],
    customer_id: Annotated[int, typer.Option(min=1, help="A customer with online features.")] = 1,
    rehearse_rollback: Annotated[
        bool,
        typer.Option(
            "--rehearse-rollback", help="Move production to the archived version and back under a request loop."
        ),
    ] = False,
    name: Annotated[str, typer.Option("--name", help="Registered model name (for the rehearsal).")] = MODEL_NAME,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for each switch of the rehearsal.")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Smoke-test the endpoint, check the dashboard's metrics are exposed, optionally rehearse a rollback."""
    import httpx

    from core.errors import UserError
    from monitoring.validate import rehearse_rollback as rehearse
    from monitoring.validate import report, smoke
    from registry.views import print_json

    base = url.rstrip("/")
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            checks = smoke(client, customer_id)
        if rehearse_rollback:
            from registry.rollout_cli import run_rollouts

            def rollback() -> tuple[str, str]:
                moved = run_rollouts(
                    lambda rollouts: rollouts.lifecycle.rollback(name, reason="mlops validate rehearsal")
                )
                return str(moved.from_version), str(moved.to_version)

            checks.append(rehearse(base, customer_id, rollback, timeout))
    except httpx.HTTPError as error:
        raise UserError(f"{base} did not answer: {error}") from error
    result = report(checks)
    if as_json:
        print_json({"url": base, **result})
    else:
        for check in checks:
            typer.echo(f"{'ok  ' if check.passed else 'FAIL'} {check.name}: {check.detail}")
    if not result["passed"]:
        raise typer.Exit(EXIT_FAILED)
