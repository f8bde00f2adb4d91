# The two commands of the README (`make demo`, `make test`) and the checks CI runs.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo serve test e2e screenshots lint format bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Byte-compiled at install, so no process compiles the libraries again when it starts (a
# command starts in half the time, and PYTHONDONTWRITEBYTECODE environments never cache them).
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON) --quiet --compile-bytecode
	@touch $@

install: $(VENV)/.installed ## create the environment from the lock file

demo: install ## migrate, generate a realistic dataset and serve on http://127.0.0.1:8000
	$(BIN)/microreach demo

serve: install
	$(BIN)/microreach serve

test: install ## the whole suite (PostgreSQL when MICROREACH_TEST_DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: install ## only the browser tests (tests/e2e; needs Debian's chromium package)
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

screenshots: install ## regenerate docs/screenshots from the end-to-end journey
	$(BIN)/python scripts/screenshots.py

lint: install ## ruff and mypy --strict, as CI runs them
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src

format: install
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

bench: install ## generator benchmark (rows per second, peak memory)
	$(BIN)/python bench/generate.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
