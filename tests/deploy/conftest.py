"""Fixtures of the deployment-file checks."""

import pytest

from tests.deploy.compose import COMPOSE_TEXT, Compose, load_compose


@pytest.fixture
def compose() -> Compose:
    """A fresh copy of docker-compose.yml that a test may break."""
    return load_compose(COMPOSE_TEXT)
