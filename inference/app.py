"""App factory and lifespan: open the feature store, load the model, check they fit."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException

from inference.body_limit import BodySizeLimitMiddleware
from inference.errors import ERROR_RESPONSES, http_error, online_store_unavailable, validation_failed
from inference.hot_swap import ModelWatcher
from inference.metrics import record_model
from inference.openapi import exact_openapi
from inference.prediction_log import start_prediction_log
from inference.request_context import RequestObservationMiddleware
from inference.routers import admin, feature_lookup, health, metrics, predict, push
from inference.routers.feature_lookup import GetOnlineFeaturesRequest
from inference.schemas import PredictRequest
from inference.settings import ServiceSettings, get_settings
from inference.shadow import ShadowScorer
from inference.state import ServingState
from inference.warm_start import warm_start

logger = logging.getLogger("inference")


def open_serving_state(settings: ServiceSettings) -> ServingState:
    """Build everything a request needs; raises with a user-facing message when it cannot."""
    from feast import FeatureStore

    from inference.feature_services import ServiceReaders
    from inference.model import load_model
    from inference.online_features import OnlineFeatureReader

    store = FeatureStore(repo_path=str(settings.feast_repo))
    service = store.get_feature_service(settings.feature_service)
    reader = OnlineFeatureReader.from_store(store, service, timeout=settings.redis_timeout_seconds)
    services = ServiceReaders(store, reader, settings.feature_service)
    model = load_model(
        settings.mlflow_tracking_uri, settings.model_name, settings.model_alias, services.configured_service
    )
    services.resolve(model)  # the model reads the feature service it was trained with
    return ServingState(reader=reader, model=model, store=store, services=services)


def create_app(settings: ServiceSettings | None = None, state: ServingState | None = None) -> FastAPI:
    """Build the app. Nothing is opened until the lifespan starts, unless ``state`` is given."""
    resolved = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        serving = state or open_serving_state(resolved)
        app.state.serving = serving
        logger.info("serving %s version %s", serving.model.name, serving.model.version)
        record_model(serving.model.name, serving.model.version)
        app.state.prediction_log = start_prediction_log(resolved)
        app.state.model_watcher = watcher = ModelWatcher(serving, resolved)
        app.state.shadow = shadow = ShadowScorer(serving, app.state.prediction_log, resolved.shadow_queue_size)
        shadow.start()
        await watcher.follow_rollout()
        watcher.start_polling()
        warm_start(serving)
        try:
            yield
        finally:
            await watcher.stop()
            shadow.stop()
            await serving.reader.close()
            if app.state.prediction_log is not None:
                app.state.prediction_log.stop()

    app = FastAPI(
        title="Fraud scoring",
        summary="Online features from Feast's Redis store, scored by the MLflow production model.",
        lifespan=lifespan,
    )
    app.state.settings = resolved
    app.openapi = exact_openapi(app.openapi, [PredictRequest, GetOnlineFeaturesRequest])  # type: ignore[method-assign]
    app.include_router(health.router)
    app.include_router(predict.router, responses=ERROR_RESPONSES)
    app.include_router(feature_lookup.router, responses=ERROR_RESPONSES)
    app.include_router(push.router, responses=ERROR_RESPONSES)
    app.include_router(metrics.router)
    app.include_router(admin.router)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=resolved.max_request_bytes)
    app.add_middleware(RequestObservationMiddleware)
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RedisError, online_store_unavailable)
    return app
