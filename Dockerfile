# ATP Search: CPU-only image. The model is converted and the index built at image build
# time with the same make targets the tests use, so the container starts offline.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ATP_HOST=0.0.0.0 \
    ATP_PORT=8000

RUN apt-get update \
    && apt-get install -y --no-install-recommends make curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 atp

WORKDIR /app
COPY --chown=atp:atp . .
USER atp

# CPU torch pinned first (see Makefile), then the project without its test tools
# (EXTRAS=); then model, corpus and index.
# Outside this workplace, point TORCH_PIP_ARGS at PyTorch's CPU wheel index
# (--index-url .../whl/cpu) so pip does not fetch the CUDA build.
ARG TORCH_PIP_ARGS=""
RUN make index PYTHON=python3 EXTRAS=[build] TORCH_PIP_ARGS="$TORCH_PIP_ARGS"

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/readyz || exit 1
CMD [".venv/bin/atp", "serve"]
