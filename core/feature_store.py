"""Opening the Feast feature store with errors a user can act on."""

from feast import FeatureStore
from feast.errors import FeastObjectNotFoundException

from core.errors import UserError
from core.names import FEATURE_SERVICE
from core.paths import feast_repo_path


def open_store() -> FeatureStore:
    repo = feast_repo_path()
    if not (repo / "feature_store.yaml").exists():
        raise UserError(f"no feature_store.yaml in {repo}: set MLOPS_FEAST_REPO to the Feast repository")
    return FeatureStore(repo_path=str(repo))


def require_applied(store: FeatureStore, feature_service: str = FEATURE_SERVICE) -> None:
    """Fail with a hint when ``feast apply`` has not been run for this repository."""
    try:
        store.get_feature_service(feature_service)
    except FeastObjectNotFoundException as error:
        raise UserError(
            f"feature service {feature_service!r} is not in the registry: run `feast apply` first"
        ) from error
