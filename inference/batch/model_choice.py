"""Which registered version a batch run scores with: an explicit version, or the one an alias points at."""

from mlflow.exceptions import MlflowException

from core.errors import UserError
from inference.model import LoadedModel, ModelUnavailableError, load_model, load_model_version
from registry.client import describe, is_not_found, open_client


def resolve_model(tracking_uri: str, name: str, *, version: str | None, alias: str) -> LoadedModel:
    """Load ``name`` at ``version`` when given, else at ``alias``; every failure is a ``UserError``.

    Back-tests name a version (a candidate, or the one that served at the time); re-scoring
    for a warehouse follows the alias.
    """
    try:
        if version is None:
            return load_model(tracking_uri, name, alias)
        client = open_client(tracking_uri)
        try:
            found = client.get_model_version(name, version)
        except MlflowException as error:
            if is_not_found(error) or "INVALID_PARAMETER_VALUE" in str(error.error_code):
                raise UserError(f"model {name!r} has no version {version!r}") from error
            raise UserError(describe(error, tracking_uri)) from error
        return load_model_version(tracking_uri, found)
    except ModelUnavailableError as error:
        raise UserError(str(error)) from error
