# Developer entry points. `make demo` and `make test` each set up a fresh machine on their own.
VENV ?= .venv
PYTHON ?= python3

.PHONY: setup tools demo test stack-up stack-down clean

$(VENV)/.installed: pyproject.toml
	bash deploy/dev/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

# helm and promtool, built once from the Go module proxy, for the tests of deploy/.
tools:
	bash deploy/tools.sh

demo: setup
	$(VENV)/bin/relance demo $(FILES)

test: setup tools
	VENV=$(VENV) bash deploy/dev/test.sh $(PYTEST_ARGS)

stack-up: setup
	$(VENV)/bin/relance stack up

stack-down: setup
	$(VENV)/bin/relance stack down

clean:
	rm -rf $(VENV) .relance .pytest_cache .hypothesis
