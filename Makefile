# Two commands do all the set-up on a fresh machine: `make serve` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
TORCH_PIP_ARGS ?=
VENV ?= .venv
PY := $(VENV)/bin/python
ATP := $(VENV)/bin/atp
INSTALLED := $(VENV)/.installed
MODEL_DIR ?= models/multilingual-e5-small
INDEX := index/data/manifest.json
CORPUS := corpus/data/passages.jsonl

.PHONY: install model corpus index serve test lint eval bench browser-deps clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU build on this disk; unpinned pulls CUDA
	$(PY) -m pip install --quiet $(TORCH_PIP_ARGS) torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

$(MODEL_DIR)/atp_model.json: | $(INSTALLED)
	$(ATP) model build

model: $(MODEL_DIR)/atp_model.json

$(CORPUS): | $(INSTALLED)
	$(ATP) corpus build

corpus: $(INSTALLED)
	$(ATP) corpus build

$(INDEX): $(CORPUS) $(MODEL_DIR)/atp_model.json
	$(ATP) index build

index: $(INDEX)

serve: $(INDEX)
	$(ATP) serve

browser-deps:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver fonts-noto-cjk >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-cjk"; fi; }

test: $(INDEX) browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

eval: $(INDEX)
	$(ATP) eval

bench: $(INDEX)
	$(ATP) bench

clean:
	rm -rf index/data .pytest_cache
