"""A throwaway Feast repository (one ``feature_store.yaml``) for tests and benchmarks.

It mirrors the shipped configuration (Redis online store, DuckDB offline store, file
registry, entity key serialization v3) in a folder of its own, so a run can apply the
project's definitions to a fresh registry without touching the checkout's.
"""

from pathlib import Path

FEATURE_STORE_YAML = """\
project: {project}
provider: local
registry:
  registry_type: file
  path: {registry}
online_store:
  type: redis
  connection_string: "{connection_string}"
offline_store:
  type: duckdb
entity_key_serialization_version: 3
"""


def write_repo(
    folder: Path,
    project: str,
    *,
    connection_string: str = "${REDIS_CONNECTION_STRING}",
    registry: Path | None = None,
) -> Path:
    """Write ``folder/feature_store.yaml`` and return ``folder``.

    Redis comes from the environment by default (as in the shipped file); the registry
    defaults to ``folder/registry.db`` and may point at another repository's to share it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feature_store.yaml").write_text(
        FEATURE_STORE_YAML.format(
            project=project,
            registry=registry or folder / "registry.db",
            connection_string=connection_string,
        )
    )
    return folder
