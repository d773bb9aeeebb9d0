# syntax=docker/dockerfile:1
# The hotelreviews image: one image for `serve`, `worker`, `migrate` and `backup`
# (docs/deployment.md, "Image"). Build:
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#       -t hotelreviews:0.1.0 .
#
# The base is pinned by tag, not digest: the digest can only be read from a registry, which
# the machines this file is written on cannot reach. Pin it where the image is built
# (--build-arg PYTHON_TAG=3.11-slim-bookworm@sha256:…). Bookworm, not the moving `slim`: its
# Debian release fixes the PostgreSQL major version (15) that `backup` runs. Only the tag is
# an argument: the image is always python's, and always named by a tag.
ARG PYTHON_TAG=3.11-slim-bookworm
# The web pages' npm packages are installed with Node's own image (only its node_modules
# reach the runtime stage); pin it the same way (--build-arg NODE_TAG=…@sha256:…).
ARG NODE_TAG=20-bookworm-slim

# ---- web: the web pages' npm packages (uPlot) from their lock, without the tests' ----
FROM node:${NODE_TAG} AS web
WORKDIR /web
COPY src/hotelreviews/web/package.json src/hotelreviews/web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---- builder: the project's wheel and the locked runtime dependencies in /opt/venv ----
FROM python:${PYTHON_TAG} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# The dependencies first, from the lock alone: this layer is rebuilt only when a lock changes.
# --require-hashes: every file is checked against the lock; --only-binary: wheels only, so no
# compiler is needed here either (every locked package ships a manylinux wheel for CPython
# 3.11). The venv has no pip or setuptools of its own (the builder's pip fills it through
# --python): nothing in the image can install anything, and no old setuptools ships.
COPY requirements/build.lock requirements/runtime.lock requirements/
RUN python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --require-hashes --only-binary=:all: \
        -r requirements/runtime.lock \
    && pip install --require-hashes --only-binary=:all: -r requirements/build.lock

COPY pyproject.toml README.md ./
COPY src/ src/
# The project's own wheel, built with the locked setuptools (no isolation: nothing fetched),
# installed without dependencies (they are all in place, pinned and checked). pip compiles
# the bytecode at install time: the read-only image never writes any.
RUN pip wheel --no-deps --no-build-isolation --no-index --wheel-dir /wheels . \
    && pip --python /opt/venv/bin/python install --no-deps --no-index /wheels/hotelreviews-*.whl

# ---- runtime: the interpreter, the venv, tini and PostgreSQL's programs; no compilers ----
FROM python:${PYTHON_TAG} AS runtime

ARG VERSION=0.0.0+unknown
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="hotelreviews" \
      org.opencontainers.image.description="Ingest hotel review feeds and serve them through a REST API." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# tini: PID 1 forwards SIGTERM/SIGINT to the command and reaps orphans (uvicorn's workers,
# pg_basebackup…). postgresql-15: `backup` runs pg_basebackup, pg_verifybackup, pg_waldump and
# a throwaway server to verify a restore (hotelreviews.backup); Debian's package is told not to
# create a cluster of its own. The versions are Debian bookworm's, fixed by the base tag.
# hadolint ignore=DL3008
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends tini postgresql-15 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/* /var/log/dpkg.log

# A fixed uid/gid so volumes and securityContext (runAsUser: 10001) agree with the image.
RUN groupadd --system --gid 10001 hotelreviews \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin hotelreviews \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/hotelreviews

COPY --from=builder /opt/venv /opt/venv
# Served by the web pages from there (hotelreviews.web.assets; HOTELREVIEWS_WEB_NODE_MODULES).
COPY --from=web /web/node_modules /opt/web/node_modules

# The root filesystem may be read-only: nothing is written but under /tmp (a tmpfs or
# emptyDir) and the data directory, a volume when a command needs one (the embedded SQLite
# file, a generated signing key, a cluster's backups); with PostgreSQL and its secrets given,
# `serve`, `worker` and `migrate` write nothing there. No bytecode is written at run time
# (pip compiled the venv's at install). HOME is /tmp for libraries that look for ~/.cache.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    HOTELREVIEWS_ENVIRONMENT=production \
    HOTELREVIEWS_DATA_DIR=/var/lib/hotelreviews \
    HOTELREVIEWS_WEB_NODE_MODULES=/opt/web/node_modules

USER 10001:10001
WORKDIR /tmp
EXPOSE 8000

# No HEALTHCHECK: Kubernetes ignores it and probes /livez and /readyz itself
# (docs/deployment.md); under plain Docker, probe /readyz from outside.
# checkov:skip=CKV_DOCKER_2: one image runs serve, worker, migrate and backup; only serve listens
ENTRYPOINT ["tini", "--", "hotelreviews"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
