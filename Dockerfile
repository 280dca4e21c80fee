# ATP Search: a CPU-only image in four stages. `build` has torch: it converts the model,
# exports it to ONNX and builds the index. `runtime` carries only what `atp serve` reads: the
# runtime dependencies (no torch, sentence-transformers or safetensors weights), the float32
# ONNX export, the index, the corpus, and Debian's nginx as the reverse proxy that runs
# beside the app (deploy/nginx.conf; one image, two containers: see deploy/kubernetes/).
# `make image-test` builds and checks it with Debian's podman (deploy/image-test.sh).

# Debian 12; `make image-test` passes a base it imports from debootstrap when no registry is
# reachable.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${BASE_IMAGE} AS base
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Versions are pinned by the suite (bookworm), not per package: Debian stable's security
# updates replace exact versions, so `pkg=version` pins would break the build within weeks.
# hadolint ignore=DL3008
RUN printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' \
        'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
        'path-include /usr/share/doc/*/copyright' > /etc/dpkg/dpkg.cfg.d/slim \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# Runtime dependencies only, in /opt/venv (no pip inside: /opt/pip installs into it). Then
# what the server never loads goes: numpy's own test suites (17 MB) and jieba's paddle-mode
# model (13 MB; it needs paddlepaddle, which is not installed), a margin under 1 GB.
FROM base AS venv
# A CA bundle to trust for pip (a TLS-intercepting proxy's), bind-mounted at build time.
ARG HOST_CA=""
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
COPY pyproject.toml deploy/requirements.py /tmp/req/
RUN python3 -m venv /opt/pip \
    && python3 -m venv --without-pip /opt/venv \
    && /opt/pip/bin/pip install ${HOST_CA:+--cert "$HOST_CA"} --upgrade pip \
    && python3 /tmp/req/requirements.py --pyproject /tmp/req/pyproject.toml > /tmp/req/runtime.txt \
    && /opt/pip/bin/pip --python /opt/venv/bin/python install \
        ${HOST_CA:+--cert "$HOST_CA"} -r /tmp/req/runtime.txt \
    && /opt/pip/bin/pip --python /opt/venv/bin/python freeze > /tmp/req/constraints.txt \
    && rm -rf /opt/venv/lib/python3.11/site-packages/numpy/tests \
        /opt/venv/lib/python3.11/site-packages/numpy/*/tests \
        /opt/venv/lib/python3.11/site-packages/jieba/lac_small

# The build stage: torch and the build extra on top of the very runtime versions (the
# constraints), so the index is built by the faiss, bm25s and jieba the server runs.
FROM venv AS build
ARG HOST_CA=""
# Outside this kind of workplace: PyTorch's CPU wheel index (the default index's torch is the
# multi-GB CUDA build); `make image-test` points it at a local wheel folder instead.
ARG TORCH_PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
# Word splitting of TORCH_PIP_ARGS is intended: it holds pip options.
# hadolint ignore=SC2086
RUN /opt/pip/bin/pip --python /opt/venv/bin/python install \
        ${HOST_CA:+--cert "$HOST_CA"} -c /tmp/req/constraints.txt $TORCH_PIP_ARGS torch==2.13.0 \
    && python3 /tmp/req/requirements.py --pyproject /tmp/req/pyproject.toml build \
        > /tmp/req/build.txt \
    && /opt/pip/bin/pip --python /opt/venv/bin/python install \
        ${HOST_CA:+--cert "$HOST_CA"} -c /tmp/req/constraints.txt -r /tmp/req/build.txt
WORKDIR /src
COPY . .
ENV PYTHONPATH=/src PYTHONDONTWRITEBYTECODE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    ORT_DISABLE_TELEMETRY=1 OMP_WAIT_POLICY=PASSIVE
# Then gather what the server reads into /out (deploy/stage.py): the encoder's files of the
# model folder, the served index through its symlink, the packages with their data.
RUN /opt/venv/bin/python -m service.cli model build \
    && /opt/venv/bin/python -m service.cli index build \
    && /opt/venv/bin/python deploy/stage.py /out

FROM base AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/nginx/* /etc/nginx/sites-enabled/*
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    HF_HUB_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    TRANSFORMERS_OFFLINE=1 \
    DO_NOT_TRACK=1 \
    ORT_DISABLE_TELEMETRY=1 \
    ATP_HOST=0.0.0.0 \
    ATP_PORT=8000 \
    ATP_METRICS_PORT=9100 \
    ATP_MODEL_DIR=/app/models/multilingual-e5-small \
    ATP_INDEX_DIR=/app/index/data \
    ATP_CORPUS_DIR=/app/corpus/data
COPY --from=venv /opt/venv /opt/venv
# The model first: the largest layer, and the one that changes least.
COPY --from=build /out/model /app/models/multilingual-e5-small
COPY --from=build /out/app /app
WORKDIR /app
USER 10001:10001
# 8000: the app; 8080: the proxy's public port; 9090: the proxy's /metrics port (the app's
# own, ATP_METRICS_PORT 9100, listens on loopback only).
EXPOSE 8000 8080 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/opt/venv/bin/python", "/app/deploy/healthcheck.py"]
CMD ["/opt/venv/bin/python", "-m", "service.cli", "serve"]
