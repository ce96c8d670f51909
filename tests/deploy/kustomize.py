"""``kustomize build`` for the subset of kustomize that deploy/k8s uses, in Python.

CI machines have Python and nothing else, so the tests render the overlays themselves. The
subset: ``resources`` (files and directories), ``namespace``, ``labels`` (metadata only),
``configMapGenerator`` (literals, files; behaviours create, merge, replace) without name
hashes, ``patches`` with strategic-merge files, and ``images``. Anything else is refused,
so a manifest that grows past the subset fails loudly instead of rendering wrongly. Where
``kubectl`` is installed the tests check this renderer against ``kubectl kustomize``.
"""

import copy
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "configMapGenerator",
    "generatorOptions",
    "patches",
    "images",
}
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "env": "name",
}
"""Lists Kubernetes merges by key in a strategic-merge patch (the ones our patches touch)."""


class UnsupportedKustomization(ValueError):
    pass


def build(folder: Path) -> list[Resource]:
    config: dict[str, Any] = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(config) - SUPPORTED
    if unknown:
        raise UnsupportedKustomization(f"{folder}: unsupported fields {sorted(unknown)}")
    if config.get("generatorOptions", {}) != {"disableNameSuffixHash": True}:
        raise UnsupportedKustomization(f"{folder}: only generatorOptions.disableNameSuffixHash: true is supported")
    resources: list[Resource] = []
    for entry in config.get("resources", []):
        path = folder / entry
        if path.is_dir():
            resources.extend(build(path))
        else:
            resources.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for generator in config.get("configMapGenerator", []):
        _generate_config_map(resources, folder, generator)
    for patch in config.get("patches", []):
        if set(patch) != {"path"}:
            raise UnsupportedKustomization(f"{folder}: only file patches are supported, got {patch}")
        for doc in yaml.safe_load_all((folder / patch["path"]).read_text()):
            target = _find(resources, doc["kind"], doc["metadata"]["name"])
            resources[resources.index(target)] = strategic_merge(target, doc)
    for resource in resources:
        for label in config.get("labels", []):
            if set(label) != {"pairs"}:
                raise UnsupportedKustomization(f"{folder}: labels support only pairs, got {label}")
            resource.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
        if "namespace" in config:
            resource["metadata"]["namespace"] = config["namespace"]
        for image in config.get("images", []):
            _set_image(resource, image)
    return resources


def _find(resources: list[Resource], kind: str, name: str) -> Resource:
    for resource in resources:
        if resource["kind"] == kind and resource["metadata"]["name"] == name:
            return resource
    raise UnsupportedKustomization(f"no {kind} {name} to patch")


def _generate_config_map(resources: list[Resource], folder: Path, generator: dict[str, Any]) -> None:
    data: dict[str, str] = {}
    for literal in generator.get("literals", []):
        key, value = literal.split("=", 1)
        data[key] = value
    for file in generator.get("files", []):
        data[Path(file).name] = (folder / file).read_text()
    behavior = generator.get("behavior", "create")
    if behavior == "create":
        resources.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data}
        )
        return
    existing = _find(resources, "ConfigMap", generator["name"])
    if behavior == "merge":
        existing["data"] = {**existing.get("data", {}), **data}
    elif behavior == "replace":
        existing["data"] = data
    else:
        raise UnsupportedKustomization(f"unknown configMapGenerator behavior {behavior}")


def strategic_merge(base: Any, patch: Any, field: str = "") -> Any:
    """Kubernetes' strategic merge for maps and for the keyed lists in MERGE_KEYS."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            merged[key] = strategic_merge(base[key], value, key) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_KEYS:
        key = MERGE_KEYS[field]
        merged_list = copy.deepcopy(base)
        added = []  # kustomize puts a patch's new items before the existing ones
        for item in patch:
            match = next((i for i, old in enumerate(merged_list) if old[key] == item[key]), None)
            if match is None:
                added.append(copy.deepcopy(item))
            else:
                merged_list[match] = strategic_merge(merged_list[match], item, field)
        return added + merged_list
    return copy.deepcopy(patch)


def _set_image(resource: Resource, image: dict[str, str]) -> None:
    pod = _pod_spec(resource)
    if pod is None:
        return
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        name, _, _ = container["image"].partition(":")
        if name == image["name"]:
            container["image"] = f"{image.get('newName', name)}:{image['newTag']}"


def _pod_spec(resource: Resource) -> dict[str, Any] | None:
    kind = resource["kind"]
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        spec: dict[str, Any] = resource["spec"]["template"]["spec"]
        return spec
    if kind == "CronJob":
        spec = resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    return None
