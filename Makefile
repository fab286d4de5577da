# The two set-up commands of the README: `make up` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test lint bench clean bytecode

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# An editable install is never byte-compiled, and with PYTHONDONTWRITEBYTECODE set every
# start would compile all of kroll (~0.6 s of cold start): compile it as a wheel install would.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src/kroll

up: bytecode
	$(BIN)/kroll up

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: bytecode
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache
