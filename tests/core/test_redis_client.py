"""The one Redis client factory keeps everything Feast's configuration says."""

import pytest
from feast.infra.online_stores.redis import RedisOnlineStoreConfig, RedisType
from redis.asyncio import RedisCluster as AsyncRedisCluster

from core.redis_client import RedisTarget, async_client, sync_client


def test_parses_feast_connection_strings() -> None:
    assert RedisTarget.parse("127.0.0.1:6379") == RedisTarget((("127.0.0.1", 6379),))
    target = RedisTarget.parse("redis:6380,db=0,password=s3cret")
    assert (target.host, target.port, target.password) == ("redis", 6380, "s3cret")
    assert target.options == {"db": 0, "password": "s3cret"}


@pytest.mark.parametrize("bad", ["", "localhost", "password=x", "${REDIS_CONNECTION_STRING}", "host:notaport"])
def test_rejects_what_has_no_host_and_port(bad: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        RedisTarget.parse(bad)


def test_a_cluster_config_keeps_every_node_tls_username_and_password() -> None:
    config = RedisOnlineStoreConfig(
        redis_type=RedisType.redis_cluster,
        connection_string="n1:7001,n2:7002,n3:7003,ssl=true,username=svc,password=p,skip_full_coverage_check=true",
    )
    target = RedisTarget.from_feast(config)
    assert target.cluster
    assert target.nodes == (("n1", 7001), ("n2", 7002), ("n3", 7003))
    assert target.options == {"ssl": True, "username": "svc", "password": "p"}  # the legacy option is dropped


def test_a_single_node_client_carries_the_options_to_its_connections() -> None:
    config = RedisOnlineStoreConfig(connection_string="cache:6390,ssl=true,username=svc,password=p,db=2")
    client = sync_client(RedisTarget.from_feast(config), timeout=0.25)
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache", 6390, 2)
    assert (kwargs["username"], kwargs["password"]) == ("svc", "p")
    assert kwargs["socket_timeout"] == 0.25
    assert "SSL" in client.connection_pool.connection_class.__name__


def test_a_cluster_client_knows_every_startup_node() -> None:
    target = RedisTarget.parse("n1:7001,n2:7002,n3:7003,password=p", cluster=True)
    client = async_client(target, timeout=0.5)
    assert isinstance(client, AsyncRedisCluster)
    assert {(node.host, node.port) for node in client.nodes_manager.startup_nodes.values()} == set(target.nodes)


def test_a_store_that_is_not_redis_is_refused_by_name() -> None:
    from feast.infra.online_stores.sqlite import SqliteOnlineStoreConfig

    with pytest.raises(ValueError, match="must be Redis"):
        RedisTarget.from_feast(SqliteOnlineStoreConfig())
