# Shortcuts for the two commands in README.md, and a few of their steps on their own.
# The scripts do the setup (system packages, .venv, services); these targets just call them.

VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: help run test lint format typecheck smoke compose-config clean

help:
	@echo "make run             set up and run labeler on the embedded default (scripts/run.sh)"
	@echo "make test            set up and run every check (scripts/test.sh, what CI runs)"
	@echo "make lint            ruff check + ruff format --check"
	@echo "make format          ruff format + ruff check --fix"
	@echo "make typecheck       mypy"
	@echo "make smoke           the embedded-mode smoke test alone"
	@echo "make compose-config  validate docker-compose.yml"

run:
	./scripts/run.sh

test:
	./scripts/test.sh

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck:
	$(VENV)/bin/mypy

smoke:
	$(PY) tests/smoke/embedded.py

compose-config:
	SECRET_KEY=$${SECRET_KEY:-compose-config-check} docker-compose config -q

clean:
	rm -rf staticfiles data/test .pytest_cache .mypy_cache .ruff_cache
