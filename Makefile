# The two front-door commands: `make run` (demo) and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The demo's ports: make run PORT=18080 ADMIN_PORT=19901
PORT       ?= 8080
ADMIN_PORT ?= 9901

.PHONY: run test lint bench bench-proxy clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/residency-gateway demo --port $(PORT) --admin-port $(ADMIN_PORT)

test: $(STAMP)
	bash scripts/test-services.sh
	$(BIN)/lint-imports
	$(BIN)/ruff check --quiet residency_gateway tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check residency_gateway tests bench

bench: $(STAMP)
	$(BIN)/python -m bench
	bash scripts/bench-setup.sh
	$(BIN)/python -m bench.proxy
	$(BIN)/python -m bench.frontends

# Side by side with nginx (wrk and nginx from apt when absent). Bounded: ~5 s a measurement.
bench-proxy: $(STAMP)
	bash scripts/bench-setup.sh
	$(BIN)/python -m bench.proxy

clean:
	rm -rf $(VENV) demo-run .pytest_cache
