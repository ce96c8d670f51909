"""Settings of the stream consumer and producer (``MLOPS_STREAM_*``)."""

import socket

from pydantic import Field

from core.settings import ProjectSettings


class StreamSettings(ProjectSettings):
    """``mlops stream``: which stream, which consumer group, how big a batch, where metrics go."""

    stream_key: str = Field(default="mlops:transactions", description="Redis stream of transaction events.")
    stream_group: str = Field(default="customer_txn_velocity", description="Consumer group of the velocity consumers.")
    stream_consumer: str = Field(
        default="",
        description="This consumer's name in the group (default: the host name); a restart under the same name "
        "resumes its pending entries.",
    )
    stream_redis: str = Field(
        default="",
        description="Connection string of the broker Redis (and the window state); default: the online store's.",
    )
    stream_state_prefix: str = Field(default="mlops:velocity", description="Key prefix of the window state in Redis.")
    stream_batch_size: int = Field(default=500, ge=1, description="Entries read per XREADGROUP.")
    stream_block_ms: int = Field(default=1000, ge=1, description="How long a read waits for new entries.")
    stream_offline_flush_rows: int = Field(
        default=5000,
        ge=1,
        description="Rows buffered before they are appended to the offline store (and acknowledged).",
    )
    stream_offline_flush_seconds: float = Field(
        default=5.0, gt=0, description="Longest time rows wait for their offline append (and acknowledgement)."
    )
    stream_claim_idle_seconds: float = Field(
        default=30.0, ge=0, description="A peer's unacknowledged entry this idle is claimed (XAUTOCLAIM)."
    )
    stream_allowed_lateness_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Window expiries are pushed once the clock is this far past them (or the newest event is).",
    )
    stream_metrics_port: int = Field(default=0, ge=0, description="Prometheus /metrics port of the consumer; 0: none.")
    stream_source_factory: str = Field(
        default="", description="module:function returning another EventSource (e.g. Kafka); empty: Redis Streams."
    )

    def resolved_consumer(self) -> str:
        return self.stream_consumer or socket.gethostname()

    def resolved_stream_redis(self) -> str:
        return self.stream_redis or self.redis_connection_string
