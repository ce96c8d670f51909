"""The settings classes docs/configuration.md documents, one section per deployable."""

from pydantic_settings import BaseSettings

from core.settings import ProjectSettings
from inference.settings import BatchSettings, ServiceSettings
from materialization.settings import MaterializationEnvironment
from materialization.stream.settings import StreamSettings
from registry.rest_reader import TrackingClientSettings

SETTINGS_SECTIONS: tuple[tuple[str, type[BaseSettings]], ...] = (
    ("Every command", ProjectSettings),
    ("The inference service (`mlops serve`)", ServiceSettings),
    ("Materialization jobs (`mlops materialize`, `mlops freshness`)", MaterializationEnvironment),
    ("Batch scoring on Spark (`mlops score batch --engine spark`)", BatchSettings),
    ("The stream consumer and producer (`mlops stream`)", StreamSettings),
    ("Registry reads over HTTP (`mlops registry list` against a tracking server)", TrackingClientSettings),
)  # each deployable's settings class; a subclass's section lists only the fields it adds
