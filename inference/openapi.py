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


def restore_integer_bounds(document: dict[str, Any], models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """Overwrite each model's published numeric bounds with pydantic's exact integers (in place)."""
    published = document.get("components", {}).get("schemas", {})
    for model in models:
        target = published.get(model.__name__, {}).get("properties", {})
        for name, exact in model.model_json_schema().get("properties", {}).items():
            for key in BOUND_KEYS:
                value = exact.get(key)
                if isinstance(value, int) and not isinstance(value, bool) and name in target:
                    target[name][key] = value
    return document


def exact_openapi(
    generate: Callable[[], dict[str, Any]], models: Iterable[type[BaseModel]]
) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's ``app.openapi`` (which caches its document) so the document it returns is exact."""
    chosen = tuple(models)

    def openapi() -> dict[str, Any]:
        return restore_integer_bounds(generate(), chosen)

    return openapi
