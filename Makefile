# Two commands on a fresh machine (Python 3.11 with pip and venv):
#   make report   set up .venv if needed, run the default batch (every notebook on the sample case), write reports/<timestamp>/
#   make test     set up .venv if needed, run the whole test suite (unit, property, CLI, nbval notebooks)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test clean notebooks

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	touch $(STAMP)

report: setup
	$(BIN)/alliance-analytics batch batches/default.yaml

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports test-artifacts

notebooks: setup
	$(BIN)/python -m alliance_analytics.notebook.hygiene notebooks/[0-9][0-9]_*.ipynb
