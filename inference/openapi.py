"""The OpenAPI document with exact integer bounds.

FastAPI's OpenAPI models type ``maximum`` and ``minimum`` as floats, so the int64 bound
2**63 - 1 of ``customer_id`` would be published as 9.223372036854776e18, which *is* 2**63: a
client or a fuzzer that trusts the document would send an id the service must refuse. The
bounds are copied back from pydantic's own JSON schema, where they are exact integers.
"""

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

BOUND_KEYS = ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum")


def _copy_bounds(published: Any, exact: Any) -> None:
    """Walk both schemas side by side, copying every integer bound (nested ones too, e.g. list items)."""
    if isinstance(published, dict) and isinstance(exact, dict):
        for key, value in exact.items():
            if key in BOUND_KEYS and isinstance(value, int) and not isinstance(value, bool) and key in published:
                published[key] = value
            elif key in published:
                _copy_bounds(published[key], value)
    elif isinstance(published, list) and isinstance(exact, list) and len(published) == len(exact):
        for published_item, exact_item in zip(published, exact, strict=True):
            _copy_bounds(published_item, exact_item)


def restore_integer_bounds(document: dict[str, Any], models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """Overwrite each model's published numeric bounds with pydantic's exact integers (in place)."""
    published = document.get("components", {}).get("schemas", {})
    for model in models:
        if model.__name__ in published:
            _copy_bounds(published[model.__name__], model.model_json_schema())
    return document


def exact_openapi(
    generate: Callable[[], dict[str, Any]], models: Iterable[type[BaseModel]]
) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's ``app.openapi`` (which caches its document) so the document it returns is exact."""
    chosen = tuple(models)

    def openapi() -> dict[str, Any]:
        return restore_integer_bounds(generate(), chosen)

    return openapi
