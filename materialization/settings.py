"""Configuration of jobs, schedule, SLAs and alerts: one YAML file, every key optional.

Looked up in ``--config``, else ``MLOPS_MATERIALIZATION_CONFIG``, else
``materialization.yaml`` beside ``feature_store.yaml``; without a file the defaults apply.
Secrets never live here: the webhook URL (which is itself the secret for Slack) is read from
the environment variable the file names.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from core.durations import parse_duration
from core.paths import feast_repo_path
from core.settings import ProjectSettings, environment_value

CONFIG_ENV = "MLOPS_MATERIALIZATION_CONFIG"
ENGINES = ("direct", "feast")


class MaterializationEnvironment(ProjectSettings):
    """Where the jobs find their configuration file and keep their run records."""

    materialization_config: Path | None = Field(
        default=None,
        description="materialization.yaml (schedule, windows, SLAs, alerts); default: beside feature_store.yaml.",
    )
    materialization_db: Path | None = Field(
        default=None, description="SQLite file of run, chunk and alert records; default: <data dir>/materialization.db."
    )


@dataclass(frozen=True)
class AlertSettings:
    repeat_interval: timedelta = timedelta(hours=1)
    zero_rows_runs: int = 3
    """Alert when this many successive runs wrote nothing while the source has newer data."""
    webhook_url_env: str = "MLOPS_ALERT_WEBHOOK_URL"
    webhook_token_env: str = "MLOPS_ALERT_WEBHOOK_TOKEN"
    webhook_timeout: timedelta = timedelta(seconds=5)
    webhook_retries: int = 3

    @property
    def webhook_url(self) -> str | None:
        return environment_value(self.webhook_url_env)

    @property
    def webhook_token(self) -> str | None:
        return environment_value(self.webhook_token_env)


@dataclass(frozen=True)
class MaterializationSettings:
    interval: timedelta | None = timedelta(hours=1)
    cron: str | None = None
    overlap: timedelta = timedelta(hours=2)
    """Incremental runs start this far before the last run's end, to pick up late rows."""
    chunk_rows: int = 1_000_000
    """Upper bound of source rows per Feast call (file sources, counted with DuckDB)."""
    chunk_span: timedelta = timedelta(days=1)
    """Window length when the source's rows cannot be counted cheaply."""
    retries: int = 2
    retry_backoff: timedelta = timedelta(seconds=2)
    engine: str = "direct"
    """``direct``: latest row per entity once, each entity written once; ``feast``: Feast per window."""
    lock_ttl: timedelta = timedelta(minutes=10)
    metrics_port: int | None = 9108
    sla_overrides: dict[str, timedelta] = field(default_factory=dict)
    alerts: AlertSettings = field(default_factory=AlertSettings)


def config_path(explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return explicit
    configured = MaterializationEnvironment().materialization_config
    if configured:
        return configured
    default = feast_repo_path() / "materialization.yaml"
    return default if default.exists() else None


def load_settings(explicit: Path | None = None) -> MaterializationSettings:
    """Read and validate the configuration; ValueError names the offending key."""
    path = config_path(explicit)
    if path is None:
        return MaterializationSettings()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except OSError as error:
        raise ValueError(f"cannot read configuration {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ValueError(f"configuration {path} is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ValueError(f"configuration {path} must be a mapping")
    return settings_from_mapping(raw)


def settings_from_mapping(raw: dict[str, Any]) -> MaterializationSettings:
    defaults = MaterializationSettings()
    alerts_raw = raw.get("alerts") or {}
    views_raw = raw.get("views") or {}
    if not isinstance(alerts_raw, dict) or not isinstance(views_raw, dict):
        raise ValueError("`alerts` and `views` must be mappings")
    cron = raw.get("cron")
    interval = _duration(raw, "interval", defaults.interval)
    if cron is not None:
        validate_cron(str(cron))
        interval = None if "interval" not in raw else interval
        if interval is not None:
            raise ValueError("give either `interval` or `cron`, not both")
    overrides: dict[str, timedelta] = {}
    for view, spec in views_raw.items():
        if not isinstance(spec, dict) or "freshness_sla" not in spec:
            raise ValueError(f"views.{view}: expected a mapping with freshness_sla")
        overrides[str(view)] = _duration(spec, "freshness_sla", None, prefix=f"views.{view}.") or timedelta(0)
    alert_defaults = AlertSettings()
    alerts = AlertSettings(
        repeat_interval=_duration(alerts_raw, "repeat_interval", alert_defaults.repeat_interval, "alerts.")
        or alert_defaults.repeat_interval,
        zero_rows_runs=_positive_int(alerts_raw, "zero_rows_runs", alert_defaults.zero_rows_runs, "alerts."),
        webhook_url_env=str(alerts_raw.get("webhook_url_env", alert_defaults.webhook_url_env)),
        webhook_token_env=str(alerts_raw.get("webhook_token_env", alert_defaults.webhook_token_env)),
        webhook_timeout=_duration(alerts_raw, "webhook_timeout", alert_defaults.webhook_timeout, "alerts.")
        or alert_defaults.webhook_timeout,
        webhook_retries=_positive_int(alerts_raw, "webhook_retries", alert_defaults.webhook_retries, "alerts.", 0),
    )
    engine = raw.get("engine", defaults.engine)
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    metrics_port = raw.get("metrics_port", defaults.metrics_port)
    if metrics_port is not None and (not isinstance(metrics_port, int) or not 0 <= metrics_port < 65536):
        raise ValueError(f"metrics_port: expected a port number or null, got {metrics_port!r}")
    return MaterializationSettings(
        interval=interval,
        cron=str(cron) if cron is not None else None,
        overlap=_duration(raw, "overlap", defaults.overlap) or timedelta(0),
        chunk_rows=_positive_int(raw, "chunk_rows", defaults.chunk_rows),
        chunk_span=_duration(raw, "chunk_span", defaults.chunk_span) or defaults.chunk_span,
        retries=_positive_int(raw, "retries", defaults.retries, minimum=0),
        retry_backoff=_duration(raw, "retry_backoff", defaults.retry_backoff) or defaults.retry_backoff,
        engine=engine,
        lock_ttl=_duration(raw, "lock_ttl", defaults.lock_ttl) or defaults.lock_ttl,
        metrics_port=metrics_port,
        sla_overrides=overrides,
        alerts=alerts,
    )


def validate_cron(expression: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression)
    except ValueError as error:
        raise ValueError(f"cron: invalid expression {expression!r}: {error}") from error


def _duration(raw: dict[str, Any], key: str, default: timedelta | None, prefix: str = "") -> timedelta | None:
    if key not in raw:
        return default
    try:
        return parse_duration(str(raw[key]))
    except ValueError as error:
        raise ValueError(f"{prefix}{key}: {error}") from error


def _positive_int(raw: dict[str, Any], key: str, default: int, prefix: str = "", minimum: int = 1) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{prefix}{key}: expected an integer >= {minimum}, got {value!r}")
    return value
