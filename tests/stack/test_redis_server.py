"""The local redis-server: started for real, reached through the one client factory, stopped only if ours."""

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.redis_server import LocalRedis, RedisAuthenticationError, RedisEndpoint
from tests.conftest import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def protected(tmp_path: Path) -> Iterator[LocalRedis]:
    server = LocalRedis(RedisEndpoint("127.0.0.1", free_port(), secrets.token_hex(8)), tmp_path / "redis")
    assert server.start()
    yield server
    server.stop()


def test_a_started_server_answers_with_its_password_and_keeps_what_was_written(protected: LocalRedis) -> None:
    client = protected.endpoint.client()
    client.set("k", "v")
    assert client.get("k") == b"v"
    assert protected.start() is False  # already answering: not started twice


def test_without_the_password_it_refuses_authentication_rather_than_not_answering(protected: LocalRedis) -> None:
    with pytest.raises(RedisAuthenticationError, match="authentication failed"):
        RedisEndpoint("127.0.0.1", protected.endpoint.port).answers()


def test_stop_leaves_a_server_it_did_not_start_alone(protected: LocalRedis, tmp_path: Path) -> None:
    stranger = LocalRedis(protected.endpoint, tmp_path / "elsewhere")  # no pid file of ours there
    assert stranger.stop() is False
    assert protected.endpoint.answers()
    assert protected.stop() is True
    assert not protected.endpoint.answers()
