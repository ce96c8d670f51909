"""The Kubernetes manifests, checked offline: rendered, schema-validated, and read for intent.

Each overlay of deploy/k8s is rendered by tests/deploy/kustomize.py (and, where ``kubectl`` is
installed, compared with ``kubectl kustomize``), then every object is validated against the
Kubernetes OpenAPI schemas that kubernetes-validate bundles (strict: unknown fields fail).
The remaining tests read what a reviewer would check: probes, drain timing, autoscaling,
that every ``$(VAR)`` resolves, that command lines parse with the real CLIs, and that no
secret value is in a tracked file.
"""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.clis import cli_for, click_problems
from tests.deploy.kustomize import Resource, build

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ["local", "production"]
KUBERNETES_VERSIONS = ["1.29", kubernetes_validate.utils.latest_version()]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[Resource]:
    return build(K8S / "overlays" / request.param)


def _one(resources: list[Resource], kind: str, name: str) -> Resource:
    [found] = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    return found


def _containers(resource: Resource) -> list[dict[str, Any]]:
    if resource["kind"] == "CronJob":
        return list(resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"])
    if resource["kind"] in {"Deployment", "StatefulSet"}:
        return list(resource["spec"]["template"]["spec"]["containers"])
    return []


def _config_map_data(resources: list[Resource], name: str) -> dict[str, str]:
    data: dict[str, str] = _one(resources, "ConfigMap", name)["data"]
    return data


def test_each_overlay_renders_the_whole_deployment(rendered: list[Resource]) -> None:
    kinds = {(r["kind"], r["metadata"]["name"]) for r in rendered}
    assert {
        ("Deployment", "inference"),
        ("Service", "inference"),
        ("HorizontalPodAutoscaler", "inference"),
        ("PodDisruptionBudget", "inference"),
        ("CronJob", "materialization"),
        ("CronJob", "retrain"),
        ("Deployment", "mlflow"),
        ("Service", "mlflow"),
        ("ConfigMap", "mlops-settings"),
        ("ConfigMap", "feature-store"),
    } <= kinds
    assert len({r["metadata"]["namespace"] for r in rendered}) == 1


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_against_the_kubernetes_schemas(rendered: list[Resource], version: str) -> None:
    for resource in rendered:
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_schema_check_rejects_a_misspelt_field() -> None:
    deployment = _one(build(K8S / "overlays" / "local"), "Deployment", "inference")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/ready"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.29", strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_python_renderer_equals_kubectl_kustomize(overlay: str) -> None:
    output = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, check=True
    ).stdout

    def key(resource: Resource) -> tuple[str, str]:
        return resource["kind"], resource["metadata"]["name"]

    expected = sorted((doc for doc in yaml.safe_load_all(output) if doc), key=key)
    assert sorted(build(K8S / "overlays" / overlay), key=key) == expected


def test_inference_probes_resources_and_drain(rendered: list[Resource]) -> None:
    deployment = _one(rendered, "Deployment", "inference")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120  # room to download and load a model
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    args = container["args"]
    drain = float(args[args.index("--graceful-timeout") + 1])
    assert int(pre_stop[1]) + drain < pod["terminationGracePeriodSeconds"]  # drained before SIGKILL
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert _one(rendered, "Service", "inference")["spec"]["selector"].items() <= labels.items()
    assert (
        _one(rendered, "PodDisruptionBudget", "inference")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    )


def test_the_autoscaler_scales_inference_on_cpu(rendered: list[Resource]) -> None:
    hpa = _one(rendered, "HorizontalPodAutoscaler", "inference")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "inference"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    [metric] = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_materialization_never_overlaps_itself(rendered: list[Resource]) -> None:
    cron = _one(rendered, "CronJob", "materialization")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = _containers(cron)
    assert container["args"][:2] == ["materialize", "run"]


def _resolved_args(resources: list[Resource], container: dict[str, Any]) -> tuple[str, ...]:
    """The container's argv as the kubelet expands it: $(VAR) from envFrom ConfigMaps and env."""
    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        values.update(_config_map_data(resources, source["configMapRef"]["name"]))
    for variable in container.get("env", []):
        values[variable["name"]] = variable.get("value", "<from secret>")
    argv = [*container.get("command", ["mlops"]), *container["args"]]
    return tuple(re.sub(r"\$\((\w+)\)", lambda m: values[m.group(1)], arg) for arg in argv)


def test_command_lines_resolve_and_parse_with_the_real_clis(rendered: list[Resource]) -> None:
    checked = 0
    for resource in rendered:
        for container in _containers(resource):
            if not container["image"].split(":")[0].endswith("mlops-feature-store"):
                continue
            argv = _resolved_args(rendered, container)  # a KeyError here is an undefined $(VAR)
            assert click_problems(cli_for(argv[0]), argv) == []
            checked += 1
    assert checked == 4  # every container of our image; the retrain CronJob is the fourth


def test_environment_references_are_defined_before_use(rendered: list[Resource]) -> None:
    for resource in rendered:
        for container in _containers(resource):
            known = set()
            for source in container.get("envFrom", []):
                known |= set(_config_map_data(rendered, source["configMapRef"]["name"]))
            for variable in container.get("env", []):
                for reference in re.findall(r"\$\((\w+)\)", variable.get("value", "")):
                    assert reference in known, f"{resource['metadata']['name']}: $({reference}) undefined"
                known.add(variable["name"])


def test_no_secret_is_in_a_tracked_manifest(rendered: list[Resource]) -> None:
    assert not [r for r in rendered if r["kind"] == "Secret"]
    for resource in rendered:
        for container in _containers(resource):
            for variable in container.get("env", []):
                if re.search(r"PASSWORD|TOKEN|SECRET|STORE_URI|REGISTRY_URL|AUTH", variable["name"]):
                    assert "secretKeyRef" in variable.get("valueFrom", {}), variable["name"]
    text = yaml.safe_dump_all(rendered)
    assert not re.search(r"password=(?!\$\(|\.\.\.)", text)  # only $(REDIS_PASSWORD) or a placeholder
    assert not re.search(r"://[^/\s:@]+:(?!\.\.\.@)[^/\s@$]+@", text)  # no user:password@host URL


def test_the_feast_config_is_redis_cluster_with_a_sql_registry_unless_local(rendered: list[Resource]) -> None:
    from feast.repo_config import RepoConfig

    text = _config_map_data(rendered, "feature-store")["feature_store.yaml"]
    namespace = rendered[0]["metadata"]["namespace"]
    expanded = text.replace("${REDIS_CONNECTION_STRING}", "redis-0:6379,password=x").replace(
        "${FEAST_REGISTRY_URL}", "sqlite:////data/registry.sqlite"
    )
    config = RepoConfig(repo_path=REPO, **yaml.safe_load(expanded))
    assert config.registry.registry_type == "sql"
    expected = "redis" if namespace == "mlops-local" else "redis_cluster"
    assert config.online_store.redis_type == expected


def test_the_base_feast_config_is_the_documented_example() -> None:
    base = build(K8S / "base")
    example = (REPO / "deploy" / "feast" / "feature_store.redis_cluster.yaml").read_text()
    assert _config_map_data(base, "feature-store")["feature_store.yaml"] == example
