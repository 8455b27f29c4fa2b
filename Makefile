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

.PHONY: help env reports test bench lab clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$(PYTHON)"
	@touch $@

env: $(STAMP) ## create or update the project's environment (.venv) from uv.lock

reports: $(STAMP) ## run the main job: metrics, audit and reports in outputs/
	$(RUN) complaints reports

test: $(STAMP) ## run the tests
	$(RUN) pytest

bench: $(STAMP) ## measure speed and memory against baselines (outputs/bench.json)
	$(RUN) python -m complaints.bench

lab: $(STAMP) ## open JupyterLab on the notebooks with the project's kernel
	$(RUN) complaints kernel
	JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH}" $(RUN) jupyter lab notebooks

clean: ## delete generated outputs and the environment
	rm -rf outputs/* $(VENV) .tools
