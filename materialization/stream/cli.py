"""``mlops stream``: run the velocity consumer, or emit a transaction stream to feed it."""

import logging
import signal
import threading
import time
from datetime import datetime
from types import FrameType
from typing import Annotated

import typer

app = typer.Typer(
    help="Streaming velocity features (customer_txn_velocity) from transaction events.", no_args_is_help=True
)


@app.command("run")
def run_command(
    exit_when_idle: Annotated[
        bool, typer.Option(help="Stop once the stream is drained and expiries up to its newest event are pushed.")
    ] = False,
) -> None:
    """Consume transaction events (Redis Streams consumer group) and keep customer_txn_velocity online and offline."""
    from prometheus_client import start_http_server

    from core.feature_store import open_store
    from materialization.stream.consumer import VelocityConsumer
    from materialization.stream.metrics import StreamMetrics
    from materialization.stream.settings import StreamSettings
    from materialization.stream.source import open_source, redis_client
    from materialization.stream.state import WindowState
    from materialization.stream.writer import FeastVelocityWriter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = StreamSettings()
    metrics = StreamMetrics()
    if settings.stream_metrics_port:
        start_http_server(settings.stream_metrics_port, addr="127.0.0.1", registry=metrics.registry)
    store = open_store()
    state = WindowState(redis_client(settings), settings.stream_state_prefix)
    consumer = VelocityConsumer(open_source(settings), state, FeastVelocityWriter(store), settings, metrics)
    stop = threading.Event()

    def on_signal(signum: int, _: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    typer.echo(f"consuming {settings.stream_key} as {settings.stream_group}/{settings.resolved_consumer()}")
    started = time.monotonic()
    consumer.run(stop, exit_when_idle=exit_when_idle)
    elapsed = time.monotonic() - started
    typer.echo(f"stopped after {consumer.events_applied:,} events in {elapsed:.1f} s")


@app.command("produce")
def produce_command(
    rate: Annotated[float, typer.Option(min=0.001, help="Events per second (on average).")] = 50.0,
    count: Annotated[int, typer.Option(min=1, help="Events to emit.")] = 3000,
    customers: Annotated[int, typer.Option(min=1, help="Customer ids 1..N.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same events.")] = 7,
    start: Annotated[
        datetime | None, typer.Option(help="Event time of the first event (UTC); given: emit at once, not paced.")
    ] = None,
) -> None:
    """Emit a realistic transaction stream (paced at --rate in real time unless --start is given)."""
    from datetime import UTC

    from materialization.stream.produce import produce, synthetic_events
    from materialization.stream.settings import StreamSettings
    from materialization.stream.source import redis_client

    settings = StreamSettings()
    first = time.time() if start is None else (start if start.tzinfo else start.replace(tzinfo=UTC)).timestamp()
    events = synthetic_events(seed, customers, count, first, rate)
    sent = produce(redis_client(settings), settings.stream_key, events, live=start is None)
    typer.echo(f"emitted {sent:,} events to {settings.stream_key}")
