"""The service's asyncio Redis client, built from Feast's own online store configuration.

Scaling the online store out is a configuration change: ``redis_type: redis`` gives one
client to one node, ``redis_type: redis_cluster`` a cluster client that routes each key to its
slot's master. Both accept the same pipeline, so a lookup stays one round trip: for one
customer every command hits the same key (one node); for a batch the cluster client sends one
pipeline per node, concurrently. Connection options (password, ssl, username) come from
Feast's connection string, which ``feature_store.yaml`` takes from the environment.
"""

from typing import Any

from feast.infra.online_stores.redis import RedisOnlineStore, RedisOnlineStoreConfig, RedisType
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

OnlineClient = Redis | RedisCluster

_LEGACY_CLUSTER_OPTIONS = frozenset({"skip_full_coverage_check"})
"""redis-py-cluster options that Feast's docs still show; redis-py's cluster client rejects them."""


def open_online_client(online: RedisOnlineStoreConfig, timeout: float) -> OnlineClient:
    """A client for Feast's online store; raises ValueError for a layout the service does not read."""
    nodes, params = RedisOnlineStore._parse_connection_string(online.connection_string)
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        # One immediate retry replaces a pooled connection that died with a Redis restart;
        # redis-py's default backs off for seconds, far past any request's deadline.
        "retry": Retry(NoBackoff(), 1),
        **params,
    }
    if online.redis_type == RedisType.redis:
        return Redis(host=nodes[0]["host"], port=int(nodes[0]["port"]), **options)
    if online.redis_type == RedisType.redis_cluster:
        for name in _LEGACY_CLUSTER_OPTIONS:
            options.pop(name, None)
        startup = [ClusterNode(node["host"], int(node["port"])) for node in nodes]
        return RedisCluster(startup_nodes=startup, **options)
    raise ValueError(
        f"the inference service reads a Redis online store of type redis or redis_cluster, not {online.redis_type}"
    )
