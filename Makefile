# volym — the two set-up commands are `make demo` and `make test`; both create .venv.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: demo test test-unit lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "volym needs Python 3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@# Bytecode ahead of time: an editable install has none, and where the environment
	@# forbids writing it (PYTHONDONTWRITEBYTECODE) every command compiled volym anew.
	@$(PY) -m compileall -q domain projections adapters > /dev/null
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/volym demo

test: $(STAMP)
	$(PY) -m pytest

# The fast layer: domain, projections, feed parsing and specs; no database.
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check domain projections adapters tests scripts
	$(VENV)/bin/mypy domain projections adapters scripts
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) scripts/bench_ingest.py --events 200000

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
