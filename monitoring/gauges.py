"""Publishing the results of a scheduled check to Prometheus.

A cron job is gone before Prometheus could scrape it, so the gauges are written to a
node_exporter textfile (atomically) and/or pushed to a Pushgateway. Each check gets its
own registry, so a run exports exactly what it measured.
"""

from pathlib import Path

from prometheus_client import CollectorRegistry, push_to_gateway, write_to_textfile

from core.errors import UserError


def publish(registry: CollectorRegistry, job: str, textfile: Path | None, pushgateway: str | None) -> list[str]:
    """Write and/or push ``registry``; returns where it went, for the command's output."""
    destinations: list[str] = []
    if textfile is not None:
        try:
            textfile.parent.mkdir(parents=True, exist_ok=True)
            write_to_textfile(str(textfile), registry)
        except OSError as error:
            raise UserError(f"cannot write {textfile}: {error}") from error
        destinations.append(str(textfile))
    if pushgateway:
        try:
            push_to_gateway(pushgateway, job=job, registry=registry, timeout=10)
        except OSError as error:
            raise UserError(f"cannot push to the Pushgateway at {pushgateway}: {error}") from error
        destinations.append(pushgateway)
    return destinations
