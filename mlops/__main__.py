"""``python -m mlops`` is the same as the ``mlops`` command."""

from mlops.main import app

app(prog_name="mlops")
