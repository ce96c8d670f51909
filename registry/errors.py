"""The registry's user-facing error, importable without MLflow (the REST reader raises it too)."""

from core.errors import UserError


class RegistryError(UserError):
    """A registry request that cannot be carried out, with a message fit to show as is."""
