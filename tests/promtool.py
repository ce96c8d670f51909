"""Finding promtool: skipped on a developer machine without it, a failure in CI (which installs it)."""

import os
import shutil

import pytest


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("promtool is missing in CI: .ci/run installs the Debian `prometheus` package")
    pytest.skip("promtool not installed (apt-get install prometheus); CI runs these tests")
