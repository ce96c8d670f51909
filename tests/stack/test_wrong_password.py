"""A Redis that is up but refuses our password is reported as such, never as "down".

Before issue 14, ``status`` said ``redis down`` and ``up`` started a second redis-server on
the same port, which failed to bind and reported "did not answer".
"""

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops.main import app
from stack.redis_server import LocalRedis, RedisAuthenticationError, RedisEndpoint
from tests.conftest import free_port

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture
def protected(tmp_path: Path) -> Iterator[LocalRedis]:
    server = LocalRedis(RedisEndpoint("127.0.0.1", free_port(), secrets.token_hex(8)), tmp_path / "theirs")
    assert server.start()
    yield server
    server.stop()


def _env(server: LocalRedis, tmp_path: Path, password: str | None) -> dict[str, str]:
    suffix = f",password={password}" if password else ""
    return {
        "REDIS_CONNECTION_STRING": f"127.0.0.1:{server.endpoint.port}{suffix}",
        "MLOPS_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.mark.parametrize("password", ["wrong", None])
def test_status_says_authentication_failed_not_down(
    protected: LocalRedis, tmp_path: Path, password: str | None
) -> None:
    env = _env(protected, tmp_path, password)
    text = runner.invoke(app, ["stack", "status"], env=env)
    as_json = runner.invoke(app, ["stack", "status", "--json"], env=env)

    assert text.exit_code == 1
    assert text.stdout.startswith(f"redis   up on 127.0.0.1:{protected.endpoint.port} but authentication failed:")
    assert "down" not in text.stdout
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["redis"]["state"] == "authentication failed"
    assert protected.endpoint.password not in text.stdout + as_json.stdout


def test_up_reports_the_authentication_failure_and_starts_nothing(protected: LocalRedis, tmp_path: Path) -> None:
    env = _env(protected, tmp_path, "wrong-password")
    result = runner.invoke(app, ["stack", "up"], env=env)

    assert result.exit_code == 1
    assert "authentication failed" in result.stderr
    assert "REDIS_CONNECTION_STRING" in result.stderr
    assert "did not answer" not in result.stderr
    assert "wrong-password" not in result.stderr
    assert not (tmp_path / "data" / "redis").exists() or not list((tmp_path / "data" / "redis").glob("*.pid"))


def test_a_password_for_a_redis_without_one_is_an_authentication_failure(tmp_path: Path) -> None:
    open_server = LocalRedis(RedisEndpoint("127.0.0.1", free_port()), tmp_path / "open")
    assert open_server.start()
    try:
        with pytest.raises(RedisAuthenticationError, match="authentication failed"):
            RedisEndpoint("127.0.0.1", open_server.endpoint.port, "unneeded").answers()
    finally:
        open_server.stop()
