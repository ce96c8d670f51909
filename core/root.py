"""Where the checkout is, without importing pydantic: CLI option defaults need it at import time."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: ``feature_store.yaml`` and ``data/`` live here by default."""
