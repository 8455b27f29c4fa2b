# The Makefile is a thin door onto the `complaints` command line, which does the work.
# Each target creates the project's environment first (uv, locked by uv.lock).
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
# Use uv from PATH when there is one; otherwise install it with pip into .tools/.
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
STAMP := $(VENV)/.synced
RUN := $(UV) run --frozen --no-sync

.PHONY: help env reports test test-slow test-all lint format hooks bench lab clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$(PYTHON)"
	@touch $@

env: $(STAMP) ## create or update the project's environment (.venv) from uv.lock

reports: $(STAMP) ## run the main job: metrics, audit and reports in outputs/
	$(RUN) complaints reports

test: $(STAMP) ## run the tests (the quick loop, on every core: all but the slow wheel check)
	$(RUN) pytest -n auto --dist worksteal -m "not slow"

test-slow: $(STAMP) ## run only the slow tests (the wheel in a fresh environment, charts over every series)
	$(RUN) pytest -m slow

test-all: $(STAMP) ## run every test, the slow ones too
	$(RUN) pytest -n auto --dist worksteal

lint: $(STAMP) ## lint, format check, import layers, no personal data, notebooks without outputs
	$(RUN) ruff check src tests notebooks
	$(RUN) ruff format --check src tests notebooks
	$(RUN) lint-imports
	$(RUN) python .ci/check_private_data.py
	$(RUN) nbstripout --verify notebooks/*.ipynb

format: $(STAMP) ## format the code and fix what the linter can fix
	$(RUN) ruff format src tests notebooks
	$(RUN) ruff check --fix src tests notebooks

hooks: $(STAMP) ## install the git pre-commit hooks (.pre-commit-config.yaml)
	$(RUN) pre-commit install

bench: $(STAMP) ## measure speed and memory against baselines (outputs/bench.json)
	$(RUN) python -m complaints.running.bench

lab: $(STAMP) ## open JupyterLab on the notebooks with the project's kernel
	$(RUN) complaints kernel
	JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH}" $(RUN) jupyter lab notebooks

clean: ## delete generated outputs and the environment
	rm -rf outputs/* $(VENV) .tools
