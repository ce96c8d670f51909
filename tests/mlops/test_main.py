"""The CLI root reports every ``UserError`` as one ``error:`` line with its exit code, never a traceback."""

import typer
from typer.testing import CliRunner

from core.errors import UserError
from mlops.main import ReportingGroup, app

runner = CliRunner()


def _app_raising(error: Exception) -> typer.Typer:
    root = typer.Typer(cls=ReportingGroup)
    group = typer.Typer()

    @group.command("boom")
    def boom() -> None:
        raise error

    @root.callback()
    def main() -> None:
        """A root with one group, as mlops has."""

    root.add_typer(group, name="stage")
    return root


def test_a_user_error_deep_in_a_group_is_one_line_and_its_exit_code() -> None:
    result = runner.invoke(_app_raising(UserError("the view is unknown", exit_code=3)), ["stage", "boom"])
    assert result.exit_code == 3
    assert result.output.strip() == "error: the view is unknown"
    assert "Traceback" not in result.output


def test_other_exceptions_are_not_swallowed() -> None:
    result = runner.invoke(_app_raising(RuntimeError("a bug")), ["stage", "boom"])
    assert isinstance(result.exception, RuntimeError)


def test_a_real_command_reports_a_bad_configuration_file_as_one_line(tmp_path: object) -> None:
    result = runner.invoke(app, ["materialize", "run", "--config", "/nonexistent/materialization.yaml"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: configuration: cannot read configuration /nonexistent")
