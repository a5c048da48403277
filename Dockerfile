# syntax=docker/dockerfile:1
# The hub's image: `docker build -t omnihub .` (compose.yaml builds it too). What it
# runs is what CI proves from the wheel (tests/dist/test_wheel.py): `hub migrate`,
# `hub serve`, the same variables (README's table).

# Build stage: the browser clients from npm, then the wheel, as `make dist` builds it.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends make nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN make dist

# Runtime stage: the wheel and its dependencies, run as an unprivileged user.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_VAR_DIR=/var/lib/omnihub
COPY --from=build /src/dist/ /tmp/dist/
RUN pip install --no-cache-dir /tmp/dist/*.whl \
 && rm -rf /tmp/dist \
 && useradd --system --create-home --home-dir /var/lib/omnihub --shell /usr/sbin/nologin omnihub
USER omnihub
WORKDIR /var/lib/omnihub
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# SIGTERM: hub serve closes socket.io sessions, finishes requests and sends in flight.
STOPSIGNAL SIGTERM
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
