"""Each model reads the feature service it was trained with, so v1 and v2 models serve side by side.

Training records the feature service on the model version (the ``feature_service`` tag). A
model is resolved against the Feast registry when it is loaded, before it can serve: its
service must exist and provide exactly the inputs the model records, else it is refused
(``ModelIncompatibleError``: the hot swap keeps the previous model and logs why). A model
without the tag reads the configured service.

A request reads, in one pipelined Redis round trip, the union of the views its answering
models need: production's alone outside a rollout (the reader production's service always
had, one dict lookup), plus the canary's when a customer of the request is routed to a canary
trained on another service, plus the shadow's while a shadow trained on another service runs.
Each model then scores the columns of its own service, picked by position.
"""

import logging
from collections.abc import Sequence
from functools import lru_cache

from feast import FeatureStore

from inference.model import LoadedModel, ModelIncompatibleError, check_compatible
from inference.online_features import FeatureVector, OnlineFeatureReader
from inference.rollout_models import RolloutModels
from inference.rollout_routing import in_canary

logger = logging.getLogger("inference")


@lru_cache(maxsize=256)
def positions(read: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[int, ...]:
    """Where each of ``wanted`` sits in what was ``read`` (a model's columns in a union read)."""
    return tuple(read.index(name) for name in wanted)


def pick(vector: FeatureVector, at: tuple[int, ...]) -> FeatureVector:
    values, statuses = vector.values, vector.statuses
    return FeatureVector(tuple(values[i] for i in at), tuple(statuses[i] for i in at), vector.event_timestamp)


class ServiceReaders:
    """One reader per feature service a loaded model uses, and one per union a request needs."""

    def __init__(self, store: FeatureStore, configured: OnlineFeatureReader, configured_service: str) -> None:
        self._store = store
        self._base = configured
        self.configured_service = configured_service
        self._readers: dict[tuple[str, ...], OnlineFeatureReader] = {(configured_service,): configured}

    def resolve(self, model: LoadedModel) -> None:
        """Refuse a model whose feature service the registry lacks or whose inputs it does not provide.

        Runs where models are loaded (start-up, or the hot swap's worker thread): the registry
        is read here, never on the request path.
        """
        service_name = model.feature_service
        reader = self._readers.get((service_name,))
        if reader is None:
            try:
                service = self._store.get_feature_service(service_name, allow_cache=False)
            except Exception as error:  # Feast raises its own not-found types
                raise ModelIncompatibleError(
                    f"{model.name} version {model.version} was trained on feature service {service_name!r},"
                    " which the Feast registry does not have (run `feast apply`)"
                ) from error
            requested = [(p.name, tuple(f.name for f in p.features)) for p in service.feature_view_projections]
            try:
                reader = self._base.for_features(self._store, requested)
            except Exception as error:  # an unknown view or feature, or a second join key
                raise ModelIncompatibleError(
                    f"{model.name} version {model.version}: feature service {service_name!r} cannot be read: {error}"
                ) from error
        check_compatible(model, service_name, reader.feature_names)
        self._readers.setdefault((service_name,), reader)

    def reader(self, services: tuple[str, ...]) -> OnlineFeatureReader:
        """The reader of these (resolved) services together, built once per combination."""
        reader = self._readers.get(services)
        if reader is None:
            reader = self._readers[services[:1]]
            for service in services[1:]:
                reader = reader.merged(self._readers[(service,)])
            if len(set(reader.feature_names)) != len(reader.feature_names):
                raise ValueError(f"feature services {services} share a feature name across views")
            self._readers[services] = reader
        return reader

    def for_request(
        self, production: LoadedModel, rollout: RolloutModels, customer_ids: Sequence[int]
    ) -> OnlineFeatureReader:
        """The reader of every view the models answering (or shadowing) these customers need."""
        service = production.feature_service
        canary, shadow = rollout.canary, rollout.shadow
        if canary is None and shadow is None:
            return self._readers[(service,)]
        needed = [service]
        if shadow is not None and shadow.feature_service not in needed:
            needed.append(shadow.feature_service)
        if (
            canary is not None
            and canary.feature_service not in needed
            and any(in_canary(customer, rollout.weight, canary.version) for customer in customer_ids)
        ):
            needed.append(canary.feature_service)
        return self.reader(tuple(needed))
