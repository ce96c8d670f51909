"""Resolving a pipeline's names against the real registries: Feast for features, MLflow for models."""

from feast.errors import FeastObjectNotFoundException
from mlflow.exceptions import MlflowException

from core.errors import UserError
from core.feature_store import open_store
from core.names import PRODUCTION
from registry.client import open_client


class LiveReferences:
    """Looks names up in the configured Feast repository and MLflow backend; unreadable -> None."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri

    def feature_service_exists(self, name: str) -> bool | None:
        try:
            open_store().get_feature_service(name)
        except FeastObjectNotFoundException:
            return False
        except (UserError, OSError, ValueError):
            return None
        return True

    def model_has_production(self, name: str) -> bool | None:
        try:
            open_client(self.tracking_uri).get_model_version_by_alias(name, PRODUCTION)
        except MlflowException as error:
            return None if "API request" in str(error) else False
        return True
