"""`mlops --help` must not import the heavy libraries (seconds each on this machine).

Checked on the module set of a fresh interpreter, not on time: importing Feast, MLflow,
LightGBM, pandas or redis-py at CLI start-up is exactly the regression that makes `--help`
take ten seconds, and it shows up here whatever the machine's load.
"""

import json
import subprocess
import sys

HEAVY = ("feast", "mlflow", "lightgbm", "pandas", "pyarrow", "duckdb", "redis", "sklearn")

_PROBE = """
import json, sys
from typer.testing import CliRunner
from mlops.main import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "output": result.output, "modules": sorted(sys.modules)}))
"""


def _run(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _heavy(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return sorted({name.split(".")[0] for name in modules} & set(HEAVY))


def test_help_lists_every_stage_without_importing_heavy_libraries() -> None:
    result = _run("--help")
    assert result["exit"] == 0
    for group in ("stack", "materialize", "registry", "serve", "drift", "pipeline", "rollout"):
        assert group in str(result["output"])
    assert _heavy(result["modules"]) == []


def test_a_group_help_stays_light_too() -> None:
    result = _run("registry", "list", "--help")
    assert result["exit"] == 0
    assert "--stage" in str(result["output"])
    assert _heavy(result["modules"]) == []
