"""``mlops materialize schedule``: APScheduler runs one job per view; a Redis lock spans replicas.

APScheduler (``max_instances=1``, one worker thread) keeps two runs of the same view from
overlapping inside a process; a Redis lock per view keeps two scheduler replicas from both
running it. The lock has a TTL, renewed after every window, so a replica killed mid-run
frees the view after ``lock_ttl``. SIGTERM lets the window in progress finish (a Feast write
cannot be cut safely), records the run as interrupted and exits; the next start resumes.
"""

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType

import redis
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from feast import FeatureStore
from redis.lock import Lock

from core.redis_client import RedisTarget, SyncClient, sync_client
from materialization.alert_sinks import AlertSink
from materialization.evaluation import default_sinks, evaluate
from materialization.jobs import ChunkDone, JobOptions, ViewOutcome, run_materialization
from materialization.metrics import MaterializationMetrics
from materialization.records import RunLog, worker_id
from materialization.settings import MaterializationSettings

logger = logging.getLogger("materialization.scheduler")
GRID_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)


def trigger_for(settings: MaterializationSettings) -> BaseTrigger:
    if settings.cron:
        return CronTrigger.from_crontab(settings.cron, timezone=UTC)
    assert settings.interval is not None
    # On a grid from a fixed origin, not from each process's start: every replica ticks at the
    # same instants (an hourly job at :00, not at whatever minute a pod started), so the view's
    # lock, not luck, decides which replica runs.
    return IntervalTrigger(seconds=settings.interval.total_seconds(), start_date=GRID_ORIGIN, timezone=UTC)


def job_options(settings: MaterializationSettings) -> JobOptions:
    return JobOptions(
        overlap=settings.overlap,
        chunk_rows=settings.chunk_rows,
        chunk_span=settings.chunk_span,
        retries=settings.retries,
        retry_backoff=settings.retry_backoff,
        engine=settings.engine,
    )


@dataclass
class ViewJob:
    """What one scheduled tick does for one view: lock, materialize, alert."""

    store: FeatureStore
    log: RunLog
    settings: MaterializationSettings
    sinks: list[AlertSink]
    metrics: MaterializationMetrics
    stop: threading.Event = field(default_factory=threading.Event)

    def lock(self, client: SyncClient, view: str) -> Lock:
        name = f"mlops:materialize:{self.store.config.project}:{view}"
        return Lock(client, name, timeout=self.settings.lock_ttl.total_seconds(), blocking=False, thread_local=False)

    def __call__(self, view: str) -> ViewOutcome | None:
        """Run ``view`` unless another replica holds it; never raises (the scheduler must keep going)."""
        if self.stop.is_set():
            return None
        client = sync_client(RedisTarget.from_feast(self.store.config.online_store), timeout=5.0)
        try:
            lock = self.lock(client, view)
            if not lock.acquire():
                logger.info("skipped %s: another scheduler holds its lock", view)
                return None
        except redis.RedisError as error:
            return self._record_unreachable(view, error)
        outcome = None
        try:
            self.log.abandon_unfinished(view)  # we hold the view's lock: no other run of it is live
            outcome = self._materialize(view, lock)
            self._alert(view)
        except Exception:  # a bug or an unexpected fault: log it, keep scheduling
            logger.exception("scheduled run of %s crashed", view)
        finally:
            try:
                lock.release()
            except redis.RedisError as error:  # expired or Redis gone: the TTL frees it
                logger.warning("could not release the lock of %s: %s", view, error)
            client.close()
        return outcome

    def _materialize(self, view: str, lock: Lock) -> ViewOutcome | None:
        def renew(_: ChunkDone) -> None:
            try:
                lock.reacquire()
            except redis.RedisError as error:
                logger.warning("could not renew the lock of %s: %s", view, error)

        started = time.time()
        outcomes = run_materialization(
            self.store, self.log, datetime.now(UTC), None, [view], job_options(self.settings), self.stop, renew
        )
        if not outcomes:
            return None
        outcome = outcomes[0]
        self.metrics.observe_run(outcome, time.time())
        logger.info(
            "%s: %s, %d rows read, %d written in %.1fs%s",
            view,
            outcome.status,
            outcome.rows_read,
            outcome.rows_written,
            time.time() - started,
            f": {outcome.error}" if outcome.error else "",
        )
        return outcome

    def _record_unreachable(self, view: str, error: Exception) -> ViewOutcome:
        now = time.time()
        run_id = self.log.start_run(view, "incremental", now, now)
        message = f"online store unreachable, could not take the lock: {error}"
        self.log.finish_run(run_id, "failed", 1, message)
        logger.error("%s: %s", view, message)
        outcome = ViewOutcome(view, run_id, "failed", (now, now), 0, 0, 1, message)
        self.metrics.observe_run(outcome, now)
        return outcome

    def _alert(self, view: str) -> None:
        try:
            evaluate(self.store, self.log, self.settings, self.sinks, self.metrics, [view])
        except Exception as error:  # Redis down while checking freshness: say so, try again next tick
            logger.error("freshness check of %s failed: %s", view, error)


def run_scheduler(
    store: FeatureStore, settings: MaterializationSettings, views: list[str] | None, metrics_port: int | None
) -> None:
    """Block until SIGTERM or SIGINT, running every view on the configured trigger."""
    from prometheus_client import start_http_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    selected = views or [view.name for view in store.list_feature_views() if view.online]
    job = ViewJob(store, RunLog(), settings, default_sinks(settings.alerts), MaterializationMetrics())
    port = settings.metrics_port if metrics_port is None else metrics_port
    if port:
        start_http_server(port, registry=job.metrics.registry)
        logger.info("metrics on :%d/metrics", port)

    def on_signal(signum: int, _: FrameType | None) -> None:
        logger.info("received %s: finishing the window in progress, then stopping", signal.Signals(signum).name)
        job.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler = BackgroundScheduler(
        executors={"default": {"type": "threadpool", "max_workers": 1}},
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        timezone=UTC,
    )
    for view in selected:
        # The grid job keeps its trigger's own first fire time: APScheduler computes each next
        # fire from the previous one, so a first run forced to "now" would shift every later tick
        # off the grid. The catch-up run at start-up is a separate one-off job; the single worker
        # thread runs it and the grid job one after the other, never both at once.
        scheduler.add_job(job, trigger_for(settings), args=[view], id=view, name=f"materialize {view}")
        scheduler.add_job(job, args=[view], id=f"{view}:startup", name=f"materialize {view} at start-up")
    scheduler.start()
    logger.info("scheduler %s started for %s", worker_id(), ", ".join(selected))
    while not job.stop.wait(0.5):
        pass
    scheduler.shutdown(wait=True)
    logger.info("scheduler stopped")
