import pytest

from stack.redis_server import RedisEndpoint


def test_parses_feast_connection_strings() -> None:
    assert RedisEndpoint.parse("127.0.0.1:6379") == RedisEndpoint("127.0.0.1", 6379, None)
    assert RedisEndpoint.parse("redis:6380,db=0,password=s3cret") == RedisEndpoint("redis", 6380, "s3cret")


@pytest.mark.parametrize("bad", ["", "localhost", "password=x", "${REDIS_CONNECTION_STRING}"])
def test_rejects_what_has_no_host_and_port(bad: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        RedisEndpoint.parse(bad)
