"""The services of ``docker-compose.yml`` wired together: image, health checks, start order, hosts, data.

Our services share one image; every service has a health check that Compose can wait on (or is a
one-shot job); each waits for what it uses; hosts and ports in the environment are services of the
stack that listen there and accept the request; and one named volume holds the data and the Feast
registry. Each rule has a broken variant below that it must report.
"""

import json
from urllib.parse import urlsplit

import pytest

from core.redis_client import RedisTarget
from tests.deploy.clis import option_value
from tests.deploy.compose import (
    Compose,
    Stack,
    Variant,
    as_argv,
    dependencies,
    environment,
    healthcheck_enabled,
    invocations,
    mounts,
    problems_of_variant,
    set_env,
)
from tests.deploy.dockerfile import IMAGE, Image

PROJECT_ENV = ("REDIS_CONNECTION_STRING", "MLFLOW_TRACKING_URI", "MLOPS_DATA_DIR", "MLOPS_FEAST_REPO")


def stack_problems(compose: Compose, image: Image = IMAGE) -> list[str]:
    stack = Stack.of(compose, image)
    problems = []
    if len({json.dumps([s.get("image"), s.get("build")], sort_keys=True) for s in stack.ours.values()}) > 1:
        problems.append("services of ours are built from different images")
    for check in (_healthcheck_problems, _dependency_problems, _endpoint_problems):
        problems += check(stack)
    return problems + _data_volume_problems(compose, stack, image)


def _healthcheck_problems(stack: Stack) -> list[str]:
    problems = []
    for name, service in stack.services.items():
        check = service.get("healthcheck")
        if check is None:
            problems.append(f"{name}: no healthcheck")
        elif not healthcheck_enabled(service):
            if name not in stack.jobs or service.get("restart", "no") != "no":
                problems.append(f"{name}: healthcheck disabled on a long-running service")
        else:
            test = as_argv(check.get("test"))
            if not test or test[0] == "NONE":
                problems.append(f"{name}: healthcheck has no test")
            elif name in stack.ours and test[0] == "CMD" and test[1:2] in (["curl"], ["wget"]):
                problems.append(f"{name}: healthcheck runs {test[1]}, which the slim image lacks")
            elif test[0] == "CMD" and test[1:3] in (["python", "-c"], ["python3", "-c"]):
                try:
                    compile(test[3], f"{name} healthcheck", "exec")
                except SyntaxError as error:
                    problems.append(f"{name}: healthcheck code does not compile: {error.msg}")
    return problems


def _dependency_problems(stack: Stack) -> list[str]:
    trainers = stack.named(lambda argv: argv[:2] == ("mlops", "train") and "--promote" in argv)
    problems = []
    for name, service in stack.services.items():
        deps = dependencies(service)
        for dep, condition in deps.items():
            if dep not in stack.services:
                problems.append(f"{name}: depends on unknown service {dep}")
            elif condition == "service_healthy" and not healthcheck_enabled(stack.services[dep]):
                problems.append(f"{name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
        if name in stack.feast_users() and not any(deps.get(r) == "service_healthy" for r in stack.redis):
            problems.append(f"{name}: does not wait for Redis to be healthy")
        if name in stack.mlflow_users() and not any(deps.get(m) == "service_healthy" for m in stack.mlflow):
            problems.append(f"{name}: does not wait for MLflow to be healthy")
        serves = any(argv[:2] == ("mlops", "serve") for argv in stack.runs.get(name, []))
        if serves and not any(deps.get(t) == "service_completed_successfully" for t in trainers):
            problems.append(f"{name}: starts before any service has promoted a model (train --promote)")
    return problems


def _endpoint_problems(stack: Stack) -> list[str]:
    problems = []
    for name in stack.feast_users() | stack.mlflow_users():
        env = environment(stack.services[name])
        problems += [f"{name}: {variable} is not set" for variable in PROJECT_ENV if not env.get(variable)]
        if env.get("REDIS_CONNECTION_STRING"):
            try:
                redis = RedisTarget.parse(env["REDIS_CONNECTION_STRING"])
            except ValueError as error:
                problems.append(f"{name}: {error}")
            else:
                if redis.host not in stack.redis:
                    problems.append(f"{name}: REDIS_CONNECTION_STRING host {redis.host!r} is not the redis service")
                elif redis.port != int(
                    option_value(as_argv(stack.services[redis.host].get("command")), "--port") or 6379
                ):
                    problems.append(
                        f"{name}: REDIS_CONNECTION_STRING port {redis.port} is not the one Redis listens on"
                    )
        if env.get("MLFLOW_TRACKING_URI"):
            problems += [f"{name}: {p}" for p in _tracking_uri_problems(stack, env["MLFLOW_TRACKING_URI"])]
    return problems


def _tracking_uri_problems(stack: Stack, uri: str) -> list[str]:
    from mlflow.server.security_utils import get_default_allowed_hosts, is_allowed_host_header

    parts = urlsplit(uri)
    if parts.scheme not in {"http", "https"} or parts.hostname not in stack.mlflow:
        return [f"MLFLOW_TRACKING_URI {uri} is not the mlflow service"]
    (server,) = (argv for argv in stack.runs[parts.hostname] if argv[:2] == ("mlflow", "server"))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if str(port) != (option_value(server, "--port") or "5000"):
        return [f"MLFLOW_TRACKING_URI port {port} is not the one MLflow listens on"]
    allowed = option_value(server, "--allowed-hosts")
    allowed_hosts = [host.strip() for host in allowed.split(",")] if allowed else get_default_allowed_hosts()
    host_header = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    if not is_allowed_host_header(allowed_hosts, host_header):
        return [f"MLflow rejects Host header {host_header!r} (see mlflow server --allowed-hosts)"]
    return []


def _data_volume_problems(compose: Compose, stack: Stack, image: Image) -> list[str]:
    named = set(compose.get("volumes") or {})
    problems, used = [], set()
    for name in sorted(stack.feast_users() | stack.mlflow_users()):
        env = environment(stack.services[name])
        data_dir = env.get("MLOPS_DATA_DIR")
        sources = {source for source, target in mounts(stack.services[name]) if target == data_dir} & named
        if data_dir and not sources:
            problems.append(f"{name}: MLOPS_DATA_DIR {data_dir} is not on a named volume, so no other service sees it")
        used |= sources
        if env.get("MLOPS_FEAST_REPO", image.workdir) != image.workdir:
            problems.append(
                f"{name}: MLOPS_FEAST_REPO is not {image.workdir}, where the image keeps feature_store.yaml"
            )
    if len(used) > 1:
        problems.append(f"services keep their data on different volumes: {sorted(used)}")
    return problems


BROKEN_STACK: dict[str, tuple[Variant, str]] = {
    "no-healthcheck": (lambda c: c["services"]["inference"].pop("healthcheck"), "inference: no healthcheck"),
    "redis-no-healthcheck": (lambda c: c["services"]["redis"].pop("healthcheck"), "but redis has no healthcheck"),
    "disabled-on-server": (
        lambda c: c["services"]["inference"].update(healthcheck={"disable": True}),
        "inference: healthcheck disabled on a long-running service",
    ),
    "healthcheck-none": (
        lambda c: c["services"]["materialization"].update(healthcheck={"test": ["NONE"]}),
        "materialization: healthcheck has no test",
    ),
    "healthcheck-curl": (
        lambda c: c["services"]["inference"]["healthcheck"].update(test=["CMD", "curl", "-f", "localhost:8000/ready"]),
        "inference: healthcheck runs curl",
    ),
    "healthcheck-syntax": (
        lambda c: c["services"]["mlflow"]["healthcheck"]["test"].__setitem__(3, "import urllib.request; urlopen("),
        "mlflow: healthcheck code does not compile",
    ),
    "redis-started-only": (
        lambda c: c["services"]["inference"]["depends_on"]["redis"].update(condition="service_started"),
        "inference: does not wait for Redis to be healthy",
    ),
    "no-mlflow-dependency": (
        lambda c: c["services"]["inference"]["depends_on"].pop("mlflow"),
        "inference: does not wait for MLflow to be healthy",
    ),
    "no-bootstrap-dependency": (
        lambda c: c["services"]["inference"]["depends_on"].pop("bootstrap"),
        "inference: starts before any service has promoted a model",
    ),
    "job-that-restarts": (
        lambda c: c["services"]["bootstrap"].update(restart="on-failure"),
        "bootstrap: healthcheck disabled on a long-running service",
    ),
    "unknown-dependency": (
        lambda c: c["services"]["inference"]["depends_on"].update(cache={"condition": "service_started"}),
        "inference: depends on unknown service cache",
    ),
    "redis-not-host-port": (
        set_env("inference", "REDIS_CONNECTION_STRING", "redis"),
        "inference: Redis connection string must start with host:port",
    ),
    "redis-localhost": (
        set_env("inference", "REDIS_CONNECTION_STRING", "localhost:6379"),
        "inference: REDIS_CONNECTION_STRING host 'localhost' is not the redis service",
    ),
    "redis-port": (set_env("materialization", "REDIS_CONNECTION_STRING", "redis:6380"), "port 6380 is not the one"),
    "redis-env-missing": (set_env("bootstrap", "REDIS_CONNECTION_STRING", None), "bootstrap: REDIS_CONNECTION_STRING"),
    "mlflow-localhost": (
        set_env("bootstrap", "MLFLOW_TRACKING_URI", "http://localhost:5000"),
        "bootstrap: MLFLOW_TRACKING_URI http://localhost:5000 is not the mlflow service",
    ),
    "mlflow-port": (set_env("inference", "MLFLOW_TRACKING_URI", "http://mlflow:5001"), "port 5001 is not the one"),
    "mlflow-host-header": (
        lambda c: c["services"]["mlflow"].update(command=c["services"]["mlflow"]["command"][:-2]),
        "MLflow rejects Host header 'mlflow:5000'",
    ),
    "feast-repo": (set_env("inference", "MLOPS_FEAST_REPO", "/srv"), "inference: MLOPS_FEAST_REPO is not /app"),
    "data-not-on-volume": (
        lambda c: c["services"]["inference"].update(volumes=[]),
        "inference: MLOPS_DATA_DIR /data is not on a named volume",
    ),
    "two-data-volumes": (
        lambda c: c["services"]["materialization"].update(volumes=["mlflow-data:/data"]),
        "services keep their data on different volumes",
    ),
    "script-as-string": (
        lambda c: c["services"]["bootstrap"].update(command=c["services"]["bootstrap"]["command"][0]),
        "inference: starts before any service has promoted a model",
    ),
    "different-image": (
        lambda c: c["services"]["mlflow"].update(image="mlflow-server:local"),
        "services of ours are built from different images",
    ),
}


def test_the_services_of_the_compose_file_have_no_problems(compose: Compose) -> None:
    assert stack_problems(compose) == []


@pytest.mark.parametrize(("break_it", "expected"), BROKEN_STACK.values(), ids=BROKEN_STACK.keys())
def test_the_checker_reports_a_broken_stack(compose: Compose, break_it: Variant, expected: str) -> None:
    problems = problems_of_variant(compose, break_it, stack_problems)
    assert any(expected in problem for problem in problems), problems


def test_the_inference_service_waits_for_healthy_redis_and_mlflow_and_a_promoted_model(compose: Compose) -> None:
    inference = compose["services"]["inference"]
    assert dependencies(inference) == {
        "redis": "service_healthy",
        "mlflow": "service_healthy",
        "bootstrap": "service_completed_successfully",
    }
    assert as_argv(inference["healthcheck"]["test"])[-1].endswith("urlopen('http://127.0.0.1:8000/ready', timeout=4)")
    assert invocations(inference, IMAGE) == [("mlops", "serve", "--host", "0.0.0.0", "--port", "8000")]


def test_services_of_ours_share_the_image_and_the_environment(compose: Compose) -> None:
    stack = Stack.of(compose, IMAGE)
    assert set(stack.ours) == {"mlflow", "bootstrap", "inference", "materialization"}
    assert stack.runs["mlflow"][0][:2] == ("mlflow", "server")
    expected = {
        "REDIS_CONNECTION_STRING": "redis:6379",
        "MLFLOW_TRACKING_URI": "http://mlflow:5000",
        "MLOPS_DATA_DIR": "/data",
        "MLOPS_FEAST_REPO": "/app",
    }
    for name in ("bootstrap", "inference", "materialization"):
        env = environment(compose["services"][name])
        assert {key: env.get(key) for key in expected} == expected, name
        assert ("mlops-data", "/data") in mounts(compose["services"][name]), name
