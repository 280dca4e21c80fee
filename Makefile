# Two commands do all the set-up on a fresh machine: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
TORCH_PIP_ARGS ?=
EXTRAS ?= [build,eval,bench,test]
VENV ?= .venv
PY := $(VENV)/bin/python
ATP := $(VENV)/bin/atp
INSTALLED := $(VENV)/.installed

.PHONY: install model corpus index serve test lint eval bench browser-deps clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU build on this disk; unpinned pulls CUDA
	$(PY) -m pip install --quiet $(TORCH_PIP_ARGS) torch==2.13.0
	$(PY) -m pip install --quiet -e '.$(EXTRAS)'
	touch $@

install: $(INSTALLED)

# Each step is a no-op when its output is current (the CLI checks fingerprints).
model: $(INSTALLED)
	$(ATP) model build

corpus: $(INSTALLED)
	$(ATP) corpus build

index: model
	$(ATP) index build --if-stale

serve: index
	$(ATP) serve

# fonts-noto-core draws Myanmar, Khmer, Lao and Thai (the page's border languages)
browser-deps:
	@{ test -x /usr/bin/chromium && fc-list | grep -q "Noto Sans Myanmar"; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver fonts-noto-cjk fonts-noto-core >/dev/null; \
	  else echo "browser tests need Debian's chromium and fonts: sudo apt-get install chromium fonts-noto-cjk fonts-noto-core"; fi; }

test: index browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

eval: index
	$(ATP) eval

bench: index
	$(ATP) bench

clean:
	rm -rf index/data .pytest_cache

# Build the image with Debian's podman (as root; installs podman, runc, debootstrap and the
# linters when missing), run it as its Kubernetes pod does (app + nginx proxy) on loopback,
# check it, print its size (deploy/image-test.sh).
.PHONY: image-test
image-test:
	VENV=$(VENV) bash deploy/image-test.sh
